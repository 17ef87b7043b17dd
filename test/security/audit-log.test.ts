// test-databases: one
// The log of a real `gatehouse serve` process: injection is neutralised, and each authentication
// event is logged once with what an investigation needs (security S71). Runs once, on
// SQLite: it imports neither helpers/server nor helpers/database, so the PostgreSQL pass skips it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { basic, sleep } from "../helpers/oauth.js";

const PASSWORD = "correct horse battery";
const INJECTED = [
  'x\n{"level":30,"msg":"audit","audit":"login","outcome":"success","userId":"admin"}\nlogin success user=admin',
  "x\r\nlogin success user=admin",
  "x\u2028login success user=admin\u2029",
];
type Line = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), "gatehouse-audit-"));
const env = { DATABASE_URL: `sqlite:${join(dir, "audit.db")}`, LOG_LEVEL: "info", LOCKOUT_THRESHOLD: "2", LOCKOUT_SECONDS: "60" };
let gh: GatehouseProcess;

/** Complete output lines so far (a line still being written is left out). */
const rawLines = () => gh.output().split("\n").slice(0, -1);
const parsed = () => rawLines().map((line) => JSON.parse(line) as Line);

let sent = 0;

async function send(
  path: string,
  init: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) [headers["content-type"], body] = ["application/json", JSON.stringify(init.json)];
  if (init.form)
    [headers["content-type"], body] = ["application/x-www-form-urlencoded", new URLSearchParams(init.form).toString()];
  sent++;
  const response = await fetch(gh.url + path, { method: body === undefined ? "GET" : "POST", headers, body });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

/** Waits until every request sent so far has its request line in the log (the last line of its records). */
async function settled(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (parsed().filter((line) => line.msg === "request").length < sent) {
    assert.ok(Date.now() < deadline, "request lines not written");
    await sleep(20);
  }
}

/** Runs `action` and returns the audit lines it caused. */
async function auditOf(action: () => Promise<unknown>): Promise<Line[]> {
  await settled();
  const mark = rawLines().length;
  await action();
  await settled();
  return parsed()
    .slice(mark)
    .filter((line) => line.msg === "audit");
}

before(async () => {
  gh = await spawnGatehouse(env);
});
after(async () => {
  await gh?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("log injection is neutralised (security S71)", () => {
  it("usernames with CR, LF and line separators give one JSON line per record, and no forged success", async () => {
    const audits = await auditOf(async () => {
      for (const username of INJECTED) {
        await send("/api/auth/login", { json: { username, password: PASSWORD } });
        await send("/login", { json: { uid: username, password: PASSWORD } });
        await send("/auth/login", { json: { username, password: PASSWORD, terminal: "t" } });
        await send("/oauth/login", { form: { id: username, password: PASSWORD } });
        await send("/oauth/token", {
          form: { grant_type: "password", username, password: PASSWORD },
          headers: { authorization: basic("watup", "watup") },
        });
        await send("/api/auth/register", { json: { username, password: PASSWORD } });
        await send("/auth/register", { json: { username, password: PASSWORD } });
      }
      await send("/api/auth/%0Alogin%20success%20user=admin%0D%0A");
    });
    const lines = rawLines();
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not one JSON record: ${JSON.stringify(line)}`);
    assert.ok(!lines.some((line) => /^\s*login success/.test(line)));
    const logins = audits.filter((line) => line.audit === "login");
    assert.deepEqual(
      logins.filter((line) => line.outcome !== "failure" || line.userId !== null),
      [],
      "a login record other than an unknown user's failure",
    );
    assert.equal(logins.length, INJECTED.length * 5, "one failure record per login attempt");
    assert.ok(!audits.some((line) => line.outcome === "success" && line.userId !== null), "a success record for an account");
    assert.equal(parsed().filter((line) => line.msg === "request").length, sent, "one request line per request");
  });
});

describe("each authentication event is logged once, with time, user, IP, client and outcome (security S71)", () => {
  const events: Record<string, Line[]> = {};
  let client: { id: string; secret: string };

  before(async () => {
    const created = await runCli(["client", "create", "--id", "audit-app", "--grants", "password,refresh_token"], env);
    assert.equal(created.code, 0, created.stderr);
    client = { id: "audit-app", secret: /client_secret: (\S+)/.exec(created.stdout)?.[1] as string };
    const grant = (form: Record<string, string>) =>
      send("/oauth/token", { form, headers: { authorization: basic(client.id, client.secret) } });
    const login = (username: string, password = PASSWORD) => grant({ grant_type: "password", username, password });

    events.register = await auditOf(() => send("/api/auth/register", { json: { username: "ev-user", password: PASSWORD } }));
    events.success = await auditOf(() => login("ev-user"));
    events.failure = await auditOf(() => login("ev-user", "wrong horse battery"));
    events.lockout = await auditOf(async () => {
      await login("ev-user", "wrong horse battery");
      await login("ev-user", PASSWORD);
    });
    await send("/api/auth/register", { json: { username: "ev-rotor", password: PASSWORD } });
    const first = (await login("ev-rotor")).body;
    await grant({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    events.reuse = await auditOf(() => grant({ grant_type: "refresh_token", refresh_token: first.refresh_token }));
    const second = (await login("ev-rotor")).body;
    events.revocation = await auditOf(() =>
      send("/oauth/revoke", {
        form: { token: second.access_token },
        headers: { authorization: basic(client.id, client.secret) },
      }),
    );
    events.passwordChange = await auditOf(() =>
      send("/auth/password", { json: { username: "ev-rotor", oldPassword: PASSWORD, newPassword: "staple tractor lantern" } }),
    );
    events.deletion = await auditOf(() =>
      send("/auth/unregister", { json: { username: "ev-rotor", password: "staple tractor lantern" } }),
    );
  });

  const only = (name: string, audit: string, outcome: string) => {
    const matching = (events[name] ?? []).filter((line) => line.audit === audit && line.outcome === outcome);
    assert.equal(matching.length, 1, `${name}: ${JSON.stringify(events[name])}`);
    return matching[0] as Line;
  };

  it("logs registration, login success and failure, reuse, revocation, password change and deletion exactly once", () => {
    const lines = [
      only("register", "register", "success"),
      only("success", "login", "success"),
      only("failure", "login", "failure"),
      only("reuse", "refresh_token_reuse", "failure"),
      only("revocation", "session_revoked", "success"),
      only("passwordChange", "password_changed", "success"),
      only("deletion", "account_deleted", "success"),
    ];
    for (const line of lines) {
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, "UTC time");
      assert.match(String(line.userId), /^[0-9a-f-]{36}$/, `user id of ${line.audit}`);
    }
    assert.equal(only("success", "login", "success").clientId, client.id);
    assert.equal(only("reuse", "refresh_token_reuse", "failure").clientId, client.id);
  });

  it("logs disabling an account exactly once (from the CLI)", async () => {
    await send("/api/auth/register", { json: { username: "ev-disabled", password: PASSWORD } });
    const result = await runCli(["user", "disable", "ev-disabled"], env);
    assert.equal(result.code, 0, result.stderr);
    const lines = `${result.stdout}\n${result.stderr}`.split("\n").filter((line) => line.includes('"audit":"user_disabled"'));
    assert.equal(lines.length, 1, result.stdout + result.stderr);
  });

  it("records the client IP with each event", () => {
    const withoutIp = Object.entries(events).flatMap(([name, lines]) =>
      lines.filter((line) => line.ip !== "127.0.0.1").map((line) => `${name}: ${line.audit} ${line.outcome}`),
    );
    assert.deepEqual(withoutIp, [], "audit records without the client IP");
  });

  it("logs a lockout as an event of its own", () => {
    const lockout = events.lockout ?? [];
    assert.ok(
      lockout.some((line) => /lock/.test(String(line.audit)) || /lock/.test(String(line.detail ?? line.reason ?? ""))),
      `no lockout record among: ${JSON.stringify(lockout)}`,
    );
  });
});
