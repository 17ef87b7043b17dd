// test-databases: postgres
// A failure is not an absence (see #13): while the database cannot answer a login's account
// lookup or a client check, every front door answers 503 in its own wire format, never "wrong
// password" or "unauthorized", and the failed attempt is audited in the log. The outage is real:
// another connection holds an exclusive lock on one table until the server's statements run
// into DB_STATEMENT_TIMEOUT_MS. PostgreSQL only: SQLite has no table locks, and its readers are
// never blocked by a writer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { basic, type Client, cli, createClient, PASSWORD } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

const UNAVAILABLE_ZH = "服务暂时不可用，请稍后重试";

describe("a database outage during a login or a client check", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer({ DB_STATEMENT_TIMEOUT_MS: "1000" });
    web = await createClient(gh, "web");
    await cli(gh, ["user", "create", "--username", "outage", "--password", PASSWORD, "--email", "outage@example.com"]);
  });
  after(() => gh.close());

  /** Runs `requests` while another connection holds `table` locked; releases it afterwards. */
  async function whileLocked(table: string, requests: () => Promise<Response[]>): Promise<Response[]> {
    const holder = new pg.Client({ connectionString: gh.databaseUrl });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query(`lock table ${table} in access exclusive mode`);
      return await requests();
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
  }

  const auditLines = (event: string) =>
    gh.logs.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "audit" && entry.audit === event);

  it("answers 503 at every login door while the accounts cannot be read, and audits the attempt", async () => {
    const before = auditLines("login").length;
    const [extended, spring, grant] = await whileLocked("users", () =>
      Promise.all([
        gh.post("/api/auth/login", { json: { username: "outage", password: PASSWORD } }),
        gh.post("/oauth/login", { form: { id: "outage@example.com", password: PASSWORD } }),
        gh.post("/oauth/token", {
          form: { grant_type: "password", username: "outage", password: PASSWORD },
          headers: { authorization: basic(web.id, web.secret!) },
        }),
      ]),
    );
    assert.deepEqual([extended!.status, extended!.body], [503, { code: 1, data: null, msg: UNAVAILABLE_ZH }]);
    assert.deepEqual([spring!.status, spring!.body], [503, { code: 503, message: UNAVAILABLE_ZH, data: null }]);
    assert.deepEqual([grant!.status, grant!.body], [503, { error: "service_unavailable" }]);
    for (const response of [extended!, spring!, grant!]) assert.ok(response.headers.get("retry-after"), "503 with Retry-After");
    const failures = auditLines("login").slice(before);
    assert.equal(failures.filter((entry) => entry.outcome === "failure" && entry.detail === "error").length, 3);
    const retried = await gh.post("/api/auth/login", { json: { username: "outage", password: PASSWORD } });
    assert.equal(retried.body.code, 0, "logins work again once the table is free");
  });

  it("answers 503, not an authentication failure, while the clients cannot be read", async () => {
    const login = await gh.post("/api/auth/login", { json: { username: "outage", password: PASSWORD } });
    const token = login.body.data.access_token as string;
    const before = auditLines("client_authentication").length;
    const [checkToken, introspection] = await whileLocked("oauth_clients", () =>
      Promise.all([
        gh.post("/oauth/check_token", { form: { token }, headers: { authorization: basic("watup", "watup") } }),
        gh.post("/oauth/introspect", { form: { token }, headers: { authorization: basic(web.id, web.secret!) } }),
      ]),
    );
    assert.deepEqual([checkToken!.status, checkToken!.body], [503, { code: 503, message: UNAVAILABLE_ZH, data: null }]);
    assert.deepEqual([introspection!.status, introspection!.body], [503, { error: "service_unavailable" }]);
    const failures = auditLines("client_authentication").slice(before);
    assert.deepEqual(failures.map((entry) => [entry.outcome, entry.detail, entry.clientId]).sort(), [
      ["failure", "error", "watup"],
      ["failure", "error", "web"],
    ]);
    const checked = await gh.post("/oauth/check_token", { form: { token }, headers: { authorization: basic("watup", "watup") } });
    assert.equal(checked.body.active, true, "client checks work again once the table is free");
  });
});
