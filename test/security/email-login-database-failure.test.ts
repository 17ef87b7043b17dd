// test-databases: each
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyBaseLogger } from "fastify";
import SQLite from "better-sqlite3";
import pg from "pg";
import { isAuthError } from "../../src/core/errors.js";
import { STATUS, toErrorCode } from "../../src/http/problems.js";
import { testDatabase } from "../helpers/database.js";
import { cli, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

// A failure is not an absence: when the database fails while an email address is looked up at
// login, the login fails with that error (a 503 when the database is unavailable), never with
// "invalid credentials", which would tell a user with the right password that it is wrong.
//
// The failure is real and hits only the users table, so that the rest of a refusal (the
// attempt counter of an unknown name, the audit record) would still work: a failure of the
// whole database would fail those too, and could not tell a swallowed lookup error apart.
// On PostgreSQL another connection holds an exclusive lock on the table until the lookup runs
// into the statement timeout (unavailable: 503). SQLite has no table locks; there another
// connection renames the table away under the running server (a plain failure: 500).
describe(`a database failure during an email login (${testDatabase()})`, () => {
  let gh: TestServer;
  const email = "mailer@example.com";

  before(async () => {
    gh = await startServer({ DB_STATEMENT_TIMEOUT_MS: "1000" });
    const created = await cli(gh, ["user", "create", "--username", "mailer", "--password", PASSWORD, "--email", email]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => gh.close());

  const login = () =>
    gh.server.core.login({
      username: email,
      password: PASSWORD,
      identifierMayBeEmail: true,
      clientId: null,
      scope: "",
      sessionTtlSeconds: 60,
      meta: { ip: "192.0.2.1", userAgent: null },
    });

  /** Runs `attempt` while the users table cannot be read; restores it afterwards. */
  async function withUsersUnreadable<T>(attempt: () => Promise<T>): Promise<T> {
    if (testDatabase() === "postgres") {
      const holder = new pg.Client({ connectionString: gh.databaseUrl });
      await holder.connect();
      try {
        await holder.query("begin");
        await holder.query("lock table users in access exclusive mode");
        return await attempt();
      } finally {
        await holder.query("rollback");
        await holder.end();
      }
    }
    const other = new SQLite(gh.databaseUrl.slice("sqlite:".length));
    try {
      other.exec("alter table users rename to users_away");
      return await attempt();
    } finally {
      other.exec("alter table users_away rename to users");
      other.close();
    }
  }

  const quietLog = { warn() {}, error() {} } as unknown as FastifyBaseLogger;

  it("fails with the database's error, not invalid_credentials", async () => {
    assert.equal((await login()).user.username, "mailer", "the address and password are right");
    const error = await withUsersUnreadable(() =>
      login().then(
        () => null,
        (failure: unknown) => failure,
      ),
    );
    assert.ok(error !== null, "the login must not succeed without its account");
    assert.equal(isAuthError(error), false, `an AuthError: ${String(error)}`);
    const { code } = toErrorCode(error, quietLog);
    const expected = testDatabase() === "postgres" ? "service_unavailable" : "server_error";
    assert.equal(code, expected);
    assert.equal(STATUS[code], testDatabase() === "postgres" ? 503 : 500);
    assert.equal((await login()).user.username, "mailer", "logins work again once the table is back");
  });

  it("still answers a malformed address as an unknown account", async () => {
    await assert.rejects(
      gh.server.core.login({
        username: "not@an@address",
        password: PASSWORD,
        identifierMayBeEmail: true,
        clientId: null,
        scope: "",
        sessionTtlSeconds: 60,
        meta: { ip: "192.0.2.2", userAgent: null },
      }),
      (error: unknown) => isAuthError(error) && error.code === "invalid_credentials",
    );
  });
});
