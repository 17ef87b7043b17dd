// test-databases: each
// Disabling an account while one of its logins is between the password check and opening its
// session: no session may outlive the disabling (security S37; invariant I3,
// acknowledged revocations are never undone).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Store } from "../../src/core/ports.js";
import { queryDatabase, testDatabase } from "../helpers/database.js";
import { registerAccount } from "../helpers/login-doors.js";
import { type Client, createClient, passwordGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";

describe(`disabling an account during one of its logins (${testDatabase()})`, () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
  });
  after(() => gh.close());

  /**
   * Disables `username` once, right before the next transaction that is not lazily flushed
   * opens: for a login, the one that opens its session, after its password was verified.
   */
  function disableBeforeNextTransaction(username: string): void {
    const store: Store = gh.server.store;
    const transaction = store.transaction;
    let pending = true;
    store.transaction = async (work, options) => {
      if (pending && !options?.lazyFlush) {
        pending = false;
        store.transaction = transaction;
        await gh.server.core.setUserEnabled(username, false);
      }
      return transaction(work, options);
    };
  }

  const liveSessions = async (username: string) => {
    const rows = await queryDatabase<{ n: number | string }>(
      gh.databaseUrl,
      "select count(*) as n from sessions s join users u on u.id = s.user_id where u.username = ? and s.revoked_at is null",
      [username],
    );
    return Number(rows[0]?.n);
  };

  for (const door of [
    {
      name: "jwt-extended login",
      login: (u: string) => gh.post("/api/auth/login", { json: { username: u, password: PASSWORD } }),
    },
    { name: "password grant", login: (u: string) => passwordGrant(gh, web, u, PASSWORD) },
  ]) {
    it(`${door.name}: the login whose password check beat the disabling opens no session`, async () => {
      const username = `racer-${door.name.replace(/\W+/g, "-")}`;
      await registerAccount(gh, username, PASSWORD);

      disableBeforeNextTransaction(username);
      const raced = await door.login(username);
      const plain = await door.login(username);

      assert.equal(await liveSessions(username), 0, "no session of the disabled account is live");
      assert.equal(raced.status, plain.status, "refused exactly like a login to the disabled account");
      assert.deepEqual(raced.body, plain.body);
      assert.ok(raced.status >= 400 || raced.body?.code !== 0, JSON.stringify(raced.body));
      const failures = await queryDatabase(
        gh.databaseUrl,
        "select a.detail from audit_events a join users u on u.id = a.user_id where u.username = ? and a.event = 'login' and a.outcome = 'failure'",
        [username],
      );
      assert.equal(failures.length, 2, "both refusals are audited");
    });
  }

  it("password change: the change whose password check beat the disabling changes nothing", async () => {
    const username = "racer-password-change";
    await registerAccount(gh, username, PASSWORD);
    const change = () =>
      gh.post("/auth/password", { json: { username, oldPassword: PASSWORD, newPassword: "k7-unrelated-new-secret" } });

    disableBeforeNextTransaction(username);
    const raced = await change();
    const plain = await change();

    assert.equal(raced.status, plain.status, "refused exactly like a change on the disabled account");
    assert.deepEqual(raced.body, plain.body);
    assert.ok(raced.status >= 400, raced.text);
    await gh.server.core.setUserEnabled(username, true);
    const login = await gh.post("/api/auth/login", { json: { username, password: PASSWORD } });
    assert.equal(login.body.code, 0, "the old password still works: the refused change wrote nothing");
  });
});
