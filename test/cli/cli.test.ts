// test-databases: each
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import {
  basic,
  type Client,
  cli,
  createClient,
  createUser,
  isActive,
  login,
  PASSWORD,
  passwordGrant,
  refreshGrant,
} from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

describe("gatehouse CLI without a server", () => {
  let dir: string;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
    env = { DATABASE_URL: `sqlite:${join(dir, "nested", "fresh.db")}`, LOG_LEVEL: "warn" };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("help lists the commands and exits 0", async () => {
    const { code, stdout } = await runCli(["help"], env);
    assert.equal(code, 0);
    assert.match(stdout, /usage: gatehouse/);
    for (const command of ["serve", "migrate", "user create", "user disable", "user enable", "user delete", "client create"]) {
      assert.ok(stdout.includes(command), `help lacks "${command}"`);
    }
  });

  it("an unknown command exits 2 with the usage on stderr", async () => {
    const { code, stdout, stderr } = await runCli(["frobnicate", "now"], env);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "frobnicate now"/);
    assert.match(stderr, /usage: gatehouse/);
    assert.equal(stdout, "");
  });

  it("a command with a missing option exits 2 with the usage", async () => {
    const { code, stderr } = await runCli(["user", "create", "--username", "someone"], env);
    assert.equal(code, 2);
    assert.match(stderr, /^error: --password or --password-stdin is required$/m);
    assert.match(stderr, /^usage: gatehouse user create --username U /m);
  });

  it("a configuration problem exits 2 and lists every problem", async () => {
    const path = join(dir, "bad-config", "never.db");
    const { code, stderr } = await runCli(["migrate"], { DATABASE_URL: `sqlite:${path}`, PORT: "abc", LOG_LEVEL: "loud" });
    assert.equal(code, 2);
    assert.match(stderr, /PORT .*"abc"/);
    assert.match(stderr, /LOG_LEVEL .*"loud"/);
    assert.equal(existsSync(path), false, "nothing is created on a bad configuration");
  });

  it("migrate creates a fresh database, says it is up to date, and is idempotent", async () => {
    const path = join(dir, "migrate", "fresh.db");
    assert.equal(existsSync(path), false);
    const first = await runCli(["migrate"], { ...env, DATABASE_URL: `sqlite:${path}` });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /up to date/);
    assert.ok(existsSync(path));
    const second = await runCli(["migrate"], { ...env, DATABASE_URL: `sqlite:${path}` });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /up to date/);
  });
});

describe("gatehouse CLI against a running server", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
  });
  after(() => gh?.close());

  it("user create makes an account that can log in over HTTP", async () => {
    const id = await createUser(gh, "carol");
    const body = await login(gh, web, "carol");
    const introspected = await gh.post("/oauth/introspect", {
      form: { token: body.access_token },
      headers: { authorization: basic(web.id, web.secret as string) },
    });
    assert.equal(introspected.body.sub, id);
    const legacy = await gh.post("/api/auth/login", { json: { username: "carol", password: PASSWORD } });
    assert.equal(legacy.body.code, 0, legacy.text);
  });

  it("a duplicate user exits 1 with username_taken", async () => {
    await createUser(gh, "dave");
    for (const username of ["dave", "DAVE"]) {
      const { code, stderr } = await runCli(["user", "create", "--username", username, "--password", PASSWORD], gh.env);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /username_taken/);
    }
  });

  it("client create without --secret prints a strong generated secret that works", async () => {
    const { code, stdout, stderr } = await runCli(["client", "create", "--id", "gen", "--grants", "password"], gh.env);
    assert.equal(code, 0, stderr);
    const secret = /^client_secret: (\S+)$/m.exec(stdout)?.[1] ?? "";
    assert.ok(secret.length >= 43, `secret "${secret}" is too short`);
    assert.match(secret, /^[A-Za-z0-9_-]+$/);
    await createUser(gh, "erin");
    const ok = await passwordGrant(gh, { id: "gen", secret }, "erin");
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.refresh_token, undefined, "no refresh token without the refresh_token grant");
    const wrong = await passwordGrant(gh, { id: "gen", secret: `${secret.slice(0, -1)}x` }, "erin");
    assert.equal(wrong.status, 401);
  });

  it("client create with a --secret shorter than 32 characters exits 1 and creates nothing", async () => {
    const short = "s".repeat(31);
    const { code, stderr } = await runCli(
      ["client", "create", "--id", "weak", "--secret", short, "--grants", "password"],
      gh.env,
    );
    assert.equal(code, 1);
    assert.match(stderr, /client_secret_weak/);
    const response = await passwordGrant(gh, { id: "weak", secret: short }, "carol");
    assert.equal(response.status, 401);
    assert.deepEqual(response.body, { error: "invalid_client" });
  });

  it("user disable kills the user's tokens at once; user enable does not revive them", async () => {
    await createUser(gh, "fay");
    const oauth = await login(gh, web, "fay");
    const legacy = (await gh.post("/api/auth/login", { json: { username: "fay", password: PASSWORD } })).body.data;
    assert.equal(await isActive(gh, web, oauth.access_token), true);

    await cli(gh, ["user", "disable", "fay"]);
    assert.equal(await isActive(gh, web, oauth.access_token), false);
    assert.equal(await isActive(gh, web, oauth.refresh_token), false);
    assert.equal(await isActive(gh, web, legacy.access_token), false);
    assert.equal((await refreshGrant(gh, web, oauth.refresh_token)).body.error, "invalid_grant");
    assert.equal((await passwordGrant(gh, web, "fay")).body.error, "invalid_grant");

    await cli(gh, ["user", "enable", "fay"]);
    assert.equal(await isActive(gh, web, oauth.access_token), false);
    assert.equal(await isActive(gh, web, legacy.access_token), false);
    assert.equal((await refreshGrant(gh, web, oauth.refresh_token)).body.error, "invalid_grant");
    const legacyRefresh = await gh.post("/api/auth/refresh", { headers: { authorization: `Bearer ${legacy.refresh_token}` } });
    assert.equal(legacyRefresh.status, 401, legacyRefresh.text);
    assert.equal((await passwordGrant(gh, web, "fay")).status, 200, "a fresh login works again");
  });

  it("user delete makes login fail and ends the user's sessions", async () => {
    await createUser(gh, "gus");
    const oauth = await login(gh, web, "gus");
    await cli(gh, ["user", "delete", "gus"]);
    const response = await passwordGrant(gh, web, "gus");
    assert.equal(response.status, 400);
    assert.equal(response.body.error, "invalid_grant");
    const legacy = await gh.post("/api/auth/login", { json: { username: "gus", password: PASSWORD } });
    assert.equal(legacy.body.code, 1);
    assert.equal(await isActive(gh, web, oauth.access_token), false);
    assert.equal(await isActive(gh, web, oauth.refresh_token), false);
  });
});
