// test-databases: each
// `client create`, `client update` and `client list`: the OpenID Connect settings of a client
// (redirect URIs, logout URIs, auth method, first party) from the command line, and what a
// running server makes of them at once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CliResult, runCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { authorizePath, HostedBrowser, pkce, redirectParams } from "../helpers/hosted-browser.js";
import { cli } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const SECRET = "a-client-secret-of-more-than-32-characters";

type Listed = {
  type: string;
  party: string;
  authMethod: string;
  grants: string;
  scopes: string;
  redirectUris: string;
  logoutUris: string;
  name: string;
};

/** `client list`'s rows by client id; its columns are at least two spaces apart, its first line a header. */
function parseList(stdout: string): Map<string, Listed> {
  const [header = "", ...lines] = stdout.trimEnd().split("\n");
  assert.match(header, /^ID +TYPE +PARTY +AUTH-METHOD +GRANTS +SCOPES +REDIRECT-URIS +POST-LOGOUT-URIS +NAME$/);
  const rows = new Map<string, Listed>();
  for (const line of lines) {
    const [
      id = "",
      type = "",
      party = "",
      authMethod = "",
      grants = "",
      scopes = "",
      redirectUris = "",
      logoutUris = "",
      name = "",
    ] = line.split(/ {2,}/);
    rows.set(id, { type, party, authMethod, grants, scopes, redirectUris, logoutUris, name });
  }
  return rows;
}

/** A command that fails on the core's rules: exit 1, nothing on stdout, one `error:` line. */
function assertOneErrorLine(result: CliResult, problem: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] ?? "", problem);
}

/** A command line refused before the database is opened: exit 2, the problem, then the usage. */
function assertUsageError(result: CliResult, problem: RegExp, command: string): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, "");
  const [first = "", second = ""] = result.stderr.split("\n");
  assert.match(first, problem);
  assert.ok(second.startsWith(`usage: gatehouse ${command} --id ID `), second);
}

describe("gatehouse client commands", () => {
  let gh: TestServer;
  const list = async () => parseList((await cli(gh, ["client", "list"])).stdout);
  const clientIds = async () =>
    (await queryDatabase<{ id: string }>(gh.databaseUrl, "select id from oauth_clients order by id")).map((row) => row.id);

  before(async () => {
    gh = await startServer();
  });
  after(() => gh?.close());

  it("client create with redirect URIs, a name and an auth method; client list shows them, never a secret", async () => {
    const { stdout } = await cli(gh, [
      "client",
      "create",
      "--id",
      "photos",
      "--name",
      "Photo Album",
      "--grants",
      "authorization_code,refresh_token",
      "--scopes",
      "openid,profile",
      "--redirect-uri",
      "https://photos.example.com/callback",
      "--redirect-uri",
      "http://127.0.0.1:53682/callback",
      "--post-logout-redirect-uri",
      "https://photos.example.com/",
      "--auth-method",
      "client_secret_post",
    ]);
    const secret = /^client_secret: (\S+)$/m.exec(stdout)?.[1] ?? "";
    assert.ok(secret.length >= 43, stdout);

    const listed = await cli(gh, ["client", "list"]);
    assert.deepEqual(parseList(listed.stdout).get("photos"), {
      type: "confidential",
      party: "third-party",
      authMethod: "client_secret_post",
      grants: "authorization_code,refresh_token",
      scopes: "openid,profile",
      redirectUris: "https://photos.example.com/callback,http://127.0.0.1:53682/callback",
      logoutUris: "https://photos.example.com/",
      name: "Photo Album",
    });
    const [row] = await queryDatabase<{ secret_hash: string }>(
      gh.databaseUrl,
      "select secret_hash from oauth_clients where id = ?",
      ["photos"],
    );
    assert.ok(row?.secret_hash);
    for (const hidden of [secret, row.secret_hash]) assert.ok(!listed.stdout.includes(hidden), "no secret or hash in the list");
  });

  it("client create --public --first-party registers a public first-party client (method none)", async () => {
    const { stdout } = await cli(gh, [
      ...["client", "create", "--id", "gatehouse-cli", "--public", "--first-party"],
      ...["--grants", "authorization_code,refresh_token", "--scopes", "openid,offline_access"],
      ...["--redirect-uri", "http://127.0.0.1:53682/callback"],
    ]);
    assert.equal(stdout, "created client gatehouse-cli\n", "a public client has no secret to print");
    assert.deepEqual((await list()).get("gatehouse-cli"), {
      type: "public",
      party: "first-party",
      authMethod: "none",
      grants: "authorization_code,refresh_token",
      scopes: "openid,offline_access",
      redirectUris: "http://127.0.0.1:53682/callback",
      logoutUris: "-",
      name: "-",
    });
  });

  it("client update replaces the redirect URIs, and the running server goes by the new ones at once", async () => {
    const app = { id: "notes", old: "https://notes.example/cb", new: "https://notes.example/callback" };
    await cli(gh, [
      ...["client", "create", "--id", app.id, "--secret", SECRET, "--grants", "authorization_code"],
      ...["--scopes", "openid", "--redirect-uri", app.old, "--post-logout-redirect-uri", "https://notes.example/"],
    ]);
    const updated = await cli(gh, [
      "client",
      "update",
      "--id",
      app.id,
      "--redirect-uri",
      app.new,
      "--redirect-uri",
      "com.example.notes:/cb",
    ]);
    assert.equal(updated.stdout, `updated client ${app.id}\n`);
    const row = (await list()).get(app.id);
    assert.equal(row?.redirectUris, `${app.new},com.example.notes:/cb`);
    assert.equal(row?.logoutUris, "https://notes.example/", "what was not given stays");
    assert.equal(row?.authMethod, "client_secret_basic");

    const browser = new HostedBrowser(gh.url);
    const { challenge } = pkce();
    const refused = await browser.get(
      authorizePath({ id: app.id, redirectUri: app.old }, challenge, { scope: "openid", prompt: "none" }),
    );
    assert.equal(refused.status, 400, "the replaced URI is no longer registered");
    assert.equal(refused.location, null, "and nothing redirects to it");
    const accepted = await browser.get(
      authorizePath({ id: app.id, redirectUri: app.new }, challenge, { scope: "openid", prompt: "none" }),
    );
    assert.equal(redirectParams(accepted, app.new).get("error"), "login_required", "the new one is");
  });

  it("client update turns first-party on and off, and changes name, grants, scopes and auth method", async () => {
    await cli(gh, ["client", "create", "--id", "shop", "--secret", SECRET, "--grants", "client_credentials", "--scopes", "read"]);
    await cli(gh, ["client", "update", "--id", "shop", "--first-party", "--name", "Shop"]);
    assert.equal((await list()).get("shop")?.party, "first-party");
    assert.equal((await list()).get("shop")?.name, "Shop");
    await cli(gh, [
      ...["client", "update", "--id", "shop", "--third-party", "--grants", "password,refresh_token"],
      ...["--scopes", "read,write", "--auth-method", "client_secret_post"],
    ]);
    assert.deepEqual((await list()).get("shop"), {
      type: "confidential",
      party: "third-party",
      authMethod: "client_secret_post",
      grants: "password,refresh_token",
      scopes: "read,write",
      redirectUris: "-",
      logoutUris: "-",
      name: "Shop",
    });
  });

  it("client update of an unknown client says so in one line and exits 1", async () => {
    const result = await runCli(["client", "update", "--id", "nobody", "--first-party"], gh.env);
    assertOneErrorLine(result, /^error: not_found \(no client nobody\)$/);
  });

  it("a redirect URI over http to a host that is not loopback is refused in one line; nothing is created", async () => {
    const existing = await clientIds();
    const create = ["client", "create", "--id", "plain", "--secret", SECRET, "--grants", "authorization_code"];
    const result = await runCli([...create, "--redirect-uri", "http://plain.example/cb"], gh.env);
    assertOneErrorLine(result, /^error: invalid_request \(redirect URI must use https .*: http:\/\/plain\.example\/cb\)$/);
    const update = await runCli(["client", "update", "--id", "photos", "--redirect-uri", "http://photos.example.com/cb"], gh.env);
    assertOneErrorLine(update, /^error: invalid_request \(redirect URI must use https/);
    assert.equal(
      (await list()).get("photos")?.redirectUris,
      "https://photos.example.com/callback,http://127.0.0.1:53682/callback",
    );
    assert.deepEqual(await clientIds(), existing);
  });

  it("the authorization_code grant without a redirect URI is refused in one line", async () => {
    const existing = await clientIds();
    const result = await runCli(["client", "create", "--id", "nowhere", "--grants", "authorization_code"], gh.env);
    assertOneErrorLine(result, /^error: invalid_request \(the authorization_code grant needs at least one redirect URI\)$/);
    const update = await runCli(["client", "update", "--id", "shop", "--grants", "authorization_code"], gh.env);
    assertOneErrorLine(update, /needs at least one redirect URI/);
    assert.deepEqual(await clientIds(), existing);
  });

  it("contradictory or empty command lines are usage errors (exit 2) that change nothing", async () => {
    const existing = await clientIds();
    const cases: [string[], RegExp, string][] = [
      [
        ["client", "update", "--id", "shop", "--first-party", "--third-party"],
        /^error: --first-party and --third-party cannot be used together$/,
        "client update",
      ],
      [
        ["client", "update", "--id", "shop"],
        /^error: nothing to change: give at least one option besides --id$/,
        "client update",
      ],
      [
        ["client", "update", "--id", "shop", "--auth-method", "none"],
        /^error: --auth-method must be client_secret_basic or client_secret_post, not "none"$/,
        "client update",
      ],
      [
        ["client", "create", "--id", "pub", "--public", "--auth-method", "client_secret_post", "--grants", "password"],
        /^error: --public and --auth-method cannot be used together$/,
        "client create",
      ],
      [
        ["client", "create", "--id", "third", "--third-party", "--grants", "password"],
        /^error: unknown option --third-party$/,
        "client create",
      ],
    ];
    for (const [args, problem, command] of cases) assertUsageError(await runCli(args, gh.env), problem, command);
    assert.deepEqual(await clientIds(), existing);
    assert.equal((await list()).get("shop")?.party, "third-party");
  });
});

describe("gatehouse client list without clients", () => {
  let gh: TestServer;
  // No dialect and no console: no built-in client either.
  before(async () => {
    gh = await startServer({ DIALECTS: "none", CONSOLE: "false" });
  });
  after(() => gh?.close());

  it("says there are none and exits 0", async () => {
    assert.deepEqual(await queryDatabase(gh.databaseUrl, "select id from oauth_clients"), []);
    const result = await runCli(["client", "list"], gh.env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "no clients\n");
  });
});
