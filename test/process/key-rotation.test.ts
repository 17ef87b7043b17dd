// test-databases: each
// `gatehouse keys rotate` in one process; every server on the same database follows within seconds.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { basic, decodeJws, PASSWORD, sleep } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** A second server: `gatehouse serve` as its own process on the same database (logging its address at info). */
const serve = (env: Record<string, string>) => spawnGatehouse({ ...env, LOG_LEVEL: "info" });

const post = async (url: string, path: string, body: Record<string, string>, headers: Record<string, string> = {}) => {
  const form = headers.authorization?.startsWith("Basic");
  const response = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": form ? "application/x-www-form-urlencoded" : "application/json", ...headers },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

const jwksKids = async (url: string): Promise<string[]> =>
  ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid).sort();

/** Polls until `check` holds; the keys are re-read at most every 5 s, so 6 s is the promise. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - started < ms, `not within ${ms} ms`);
    await sleep(200);
  }
  return Date.now() - started;
}

describe("signing-key rotation across processes", () => {
  let gh: TestServer;
  let second: GatehouseProcess;
  let resourceServer: string;
  const login = async (url: string) => {
    const response = await post(url, "/api/auth/login", { username: "rotating", password: PASSWORD });
    assert.equal(response.body.code, 0, JSON.stringify(response.body));
    return response.body.data.access_token as string;
  };
  const isActive = async (url: string, token: string) =>
    (await post(url, "/oauth/introspect", { token }, { authorization: resourceServer })).body.active === true;

  before(async () => {
    gh = await startServer({ LOG_LEVEL: "warn" });
    second = await serve(gh.env);
    const register = await post(gh.url, "/api/auth/register", { username: "rotating", password: PASSWORD });
    assert.equal(register.body.code, 0, JSON.stringify(register.body));
    const client = await runCli(["client", "create", "--id", "rs", "--grants", "password", "--scopes", "read"], gh.env);
    assert.equal(client.code, 0, client.stderr);
    resourceServer = basic("rs", /^client_secret: (\S+)$/m.exec(client.stdout)?.[1] as string);
  });
  after(async () => {
    if (second) {
      const exited = new Promise((resolve) => second.child.on("exit", resolve));
      second.child.kill("SIGTERM");
      await exited;
    }
    await gh?.close();
  });

  it("every server signs with the new key and publishes both within 6 s; old tokens keep working", async () => {
    const oldForLogout = await login(gh.url);
    const oldForIntrospection = await login(second.url);
    const oldKid = decodeJws(oldForLogout).header.kid as string;
    assert.deepEqual(await jwksKids(gh.url), [oldKid]);

    const rotate = await runCli(["keys", "rotate"], gh.env);
    assert.equal(rotate.code, 0, rotate.stderr);
    const newKid = /^new signing key: (\S+) \(EdDSA\)$/m.exec(rotate.stdout)?.[1];
    assert.ok(newKid && newKid !== oldKid, rotate.stdout);

    for (const url of [gh.url, second.url]) {
      await within(6_000, async () => (await jwksKids(url)).join() === [oldKid, newKid].sort().join());
      await within(6_000, async () => decodeJws(await login(url)).header.kid === newKid);
    }
    // Tokens signed with either key are accepted by either server.
    assert.equal(await isActive(gh.url, oldForIntrospection), true);
    assert.equal(await isActive(second.url, await login(gh.url)), true);
    const logout = await post(second.url, "/api/auth/logout", {}, { authorization: `Bearer ${oldForLogout}` });
    assert.equal(logout.body.code, 0, JSON.stringify(logout.body));
  });

  it("keys list shows which key is current, and no key material", async () => {
    const list = await runCli(["keys", "list"], gh.env);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split("\n");
    assert.equal(lines.length, 2, list.stdout);
    assert.match(lines[0] as string, /^\S{43} {2}EdDSA {2}created \S+Z {2}current$/);
    assert.match(lines[1] as string, /^\S{43} {2}EdDSA {2}created \S+Z {2}published until \S+Z$/);
    const rows = await queryDatabase<{ private_jwk: string }>(gh.databaseUrl, "select private_jwk from signing_keys");
    for (const row of rows) {
      const secret = JSON.parse(row.private_jwk).d as string;
      assert.ok(!list.stdout.includes(secret), "a private key was printed");
    }
  });
});

describe("keys commands on other algorithms", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-keys-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("rotates RSA keys and lists them without private members", async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, "rsa.db")}`, JWT_ALG: "RS256", LOG_LEVEL: "warn" };
    const rotate = await runCli(["keys", "rotate"], env);
    assert.equal(rotate.code, 0, rotate.stderr);
    assert.match(rotate.stdout, /^new signing key: \S+ \(RS256\)$/m);
    const list = await runCli(["keys", "list"], env);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.stdout
        .trim()
        .split("\n")
        .map((line) => line.split("  ").slice(1, 2)[0]),
      ["RS256", "RS256"],
    );
    assert.doesNotMatch(list.stdout, /"(d|p|q|dp|dq|qi)"|PRIVATE/);
  });

  it("refuses to rotate with HS256, naming the shared secret, and exits non-zero", async () => {
    const env = {
      DATABASE_URL: `sqlite:${join(dir, "hs.db")}`,
      JWT_ALG: "HS256",
      JWT_SECRET: "an-example-shared-secret-of-forty-bytes!!",
      LOG_LEVEL: "warn",
    };
    const rotate = await runCli(["keys", "rotate"], env);
    assert.equal(rotate.code, 1);
    assert.equal(rotate.stdout, "");
    assert.match(rotate.stderr, /HS256 signs with the shared JWT_SECRET, so there is no stored key to rotate/);
    const list = await runCli(["keys", "list"], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /no stored key is used/);
  });
});
