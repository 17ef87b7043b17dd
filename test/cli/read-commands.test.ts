// test-databases: each
// The CLI's read side: `user list`, `user show`, `role list`, `permission list`, `client list`,
// `client show` and `audit tail [--follow]`, each as an aligned table and as `--json` in the
// admin API's shapes (compared with what GET /v1/admin/... answers), `--help` of every command,
// and the admin API reached with what the CLI grants (`--scopes gatehouse:admin`, role ADMIN).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CliResult, runCli, spawnCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { type Client, cli, createClient, createUser, login, PASSWORD, token } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const USER_AGENT = "ReadCommandsTest/1.0 (two words)";
const CJK_NAME = "李小龍";

/** Terminal columns of `text`, counted here on their own: a CJK ideograph takes two. */
const columns = (text: string): number => [...text].reduce((sum, char) => sum + (/\p{Script=Han}/u.test(char) ? 2 : 1), 0);

/** A table's rows as cells (columns are two or more spaces apart), after checking its header. */
function rowsOf(stdout: string, header: RegExp): string[][] {
  const [first = "", ...lines] = stdout.trimEnd().split("\n");
  assert.match(first, header);
  return lines.map((line) => line.split(/ {2,}/));
}

/** Where each line's cells start, in terminal columns: the same for every line of an aligned table. */
function assertAligned(stdout: string): void {
  const lines = stdout.trimEnd().split("\n");
  const starts = (line: string) => [...line.matchAll(/(?<= {2})\S/g)].map((match) => columns(line.slice(0, match.index)));
  const [header = "", ...rest] = lines;
  for (const line of rest) assert.deepEqual(starts(line), starts(header), `not aligned:\n${stdout}`);
  for (const line of lines) assert.doesNotMatch(line, / $/, "no line ends in spaces");
}

/** Fails on the core's rules: exit 1, nothing on stdout, one `error:` line on stderr. */
function assertOneErrorLine(result: CliResult, problem: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.split("\n").filter(Boolean).length, 1, result.stderr);
  assert.match(result.stderr, problem);
}

describe("gatehouse read commands", () => {
  let gh: TestServer;
  let web: Client;
  let ops: Client;
  let hanaId: string;
  const json = async (args: string[]) => JSON.parse((await cli(gh, [...args, "--json"])).stdout);
  /** GET on the admin API with the `ops` client's own token. */
  const adminGet = async (path: string) => {
    const issued = await token(gh, ops, { grant_type: "client_credentials", scope: "gatehouse:admin" });
    assert.equal(issued.status, 200, issued.text);
    return gh.request("GET", path, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
  };

  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
    hanaId = await createUser(gh, "hana");
    await createUser(gh, CJK_NAME);
    ops = await createClient(gh, "ops", { grants: ["client_credentials"], scopes: ["gatehouse:admin"] });
    const signedIn = await gh.post("/oauth/token", {
      form: { client_id: web.id, client_secret: web.secret ?? "", grant_type: "password", username: "hana", password: PASSWORD },
      headers: { "user-agent": USER_AGENT },
    });
    assert.equal(signedIn.status, 200, signedIn.text);
  });
  after(() => gh?.close());

  it("client create --scopes gatehouse:admin: that client's client_credentials token is let in at GET /v1/admin/users", async () => {
    const response = await adminGet("/v1/admin/users");
    assert.equal(response.status, 200, response.text);
    assert.ok(response.body.items.some((user: { username: string }) => user.username === "hana"));
    const plain = await createClient(gh, "plain", { grants: ["client_credentials"], scopes: ["read"] });
    const issued = await token(gh, plain, { grant_type: "client_credentials" });
    const refused = await gh.request("GET", "/v1/admin/users", {
      headers: { authorization: `Bearer ${issued.body.access_token}` },
    });
    assert.equal(refused.status, 403, "a client without the scope is refused");
  });

  it("user add-role U ADMIN makes that user's token work at GET /v1/admin/users", async () => {
    await createUser(gh, "olga");
    const { access_token: accessToken } = await login(gh, web, "olga");
    const get = () => gh.request("GET", "/v1/admin/users", { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal((await get()).status, 403, "not before the role");
    assert.equal((await cli(gh, ["user", "add-role", "olga", "ADMIN"])).stdout, "role added\n");
    const response = await get();
    assert.equal(response.status, 200, response.text);
  });

  it("user list: an aligned table (a CJK name takes two columns a character) and --json as the admin API's", async () => {
    const { stdout } = await cli(gh, ["user", "list"]);
    const header = /^USERNAME +ID +STATUS +EMAIL +CREATED +LAST-LOGIN +DISPLAY-NAME$/;
    const rows = rowsOf(stdout, header);
    const hana = rows.find((row) => row[0] === "hana");
    assert.deepEqual(hana?.slice(1, 4), [hanaId, "active", "-"]);
    assert.match(hana?.[5] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "hana has logged in");
    assert.ok(rows.some((row) => row[0] === CJK_NAME));
    assertAligned(stdout);
    const api = await adminGet("/v1/admin/users?limit=200");
    assert.deepEqual(await json(["user", "list", "--limit", "200"]), api.body.items);
    assert.deepEqual(
      (await json(["user", "list", "--query", "HA"])).map((user: { username: string }) => user.username),
      ["hana"],
    );
  });

  it("user list --limit N follows the pages past 200, in creation order, and --query narrows them", async () => {
    const issued = await token(gh, ops, { grant_type: "client_credentials", scope: "gatehouse:admin" });
    const authorization = `Bearer ${issued.body.access_token}`;
    const names = Array.from({ length: 230 }, (_, index) => `page-${String(index).padStart(3, "0")}`);
    for (let start = 0; start < names.length; start += 10) {
      await Promise.all(
        names.slice(start, start + 10).map(async (username) => {
          const created = await gh.post("/v1/admin/users", { json: { username }, headers: { authorization } });
          assert.equal(created.status, 201, created.text);
        }),
      );
    }
    const listed = (await json(["user", "list", "--query", "page-", "--limit", "1000"])).map((user: any) => user.username);
    assert.deepEqual([...listed].sort(), names);
    assert.equal(listed.length, 230);
    const first = await json(["user", "list", "--query", "page-", "--limit", "201"]);
    assert.deepEqual(
      first.map((user: any) => user.username),
      listed.slice(0, 201),
    );
    const everyone = await json(["user", "list", "--limit", "500"]);
    assert.equal(everyone.length, 230 + 3);
    assert.equal((await json(["user", "list"])).length, 50, "50 by default");
    assert.equal(rowsOf((await cli(gh, ["user", "list", "--limit", "205"])).stdout, /^USERNAME /).length, 205);
  });

  it("user show: profile, roles and live sessions (client, ip, user agent); never a password hash", async () => {
    const { stdout } = await cli(gh, ["user", "show", "hana"]);
    const [profile = "", sessions = ""] = stdout.split("\n\n");
    const field = (label: string) => new RegExp(`^${label} +(.*)$`, "m").exec(profile)?.[1];
    assert.equal(field("username"), "hana");
    assert.equal(field("id"), hanaId);
    assert.equal(field("roles"), "USER");
    assert.equal(field("live sessions"), "1");
    assertAligned(profile);
    const [session] = rowsOf(sessions, /^SESSION +CLIENT +TERMINAL +IP +CREATED +LAST-USED +EXPIRES +USER-AGENT$/);
    assert.deepEqual([session?.[1], session?.[2], session?.[3], session?.[7]], ["web", "-", "127.0.0.1", USER_AGENT]);
    assert.doesNotMatch(stdout, /argon2|password/i);

    const shown = await json(["user", "show", "hana"]);
    const api = await adminGet(`/v1/admin/users/${hanaId}`);
    const apiSessions = await adminGet(`/v1/admin/users/${hanaId}/sessions`);
    assert.deepEqual(shown, { ...api.body, sessions: apiSessions.body.items });
    assert.equal(shown.sessions[0].user_agent, USER_AGENT);
    assert.ok(!("password_hash" in shown) && !JSON.stringify(shown).includes("argon2"));
  });

  it("user show of an unknown user: exit 1, one line", async () => {
    for (const args of [
      ["user", "show", "nobody"],
      ["user", "show", "nobody", "--json"],
    ]) {
      assertOneErrorLine(await runCli(args, gh.env), /^error: user_not_found \(nobody\)$/m);
    }
  });

  it("role list and permission list: tables and --json as the admin API's", async () => {
    await cli(gh, ["permission", "create", "audit:read", "--description", "Reads the audit log"]);
    await cli(gh, ["role", "create", "AUDITOR", "--description", "Looks, never touches"]);
    await cli(gh, ["role", "grant", "AUDITOR", "audit:read"]);
    const roles = await cli(gh, ["role", "list"]);
    const rows = rowsOf(roles.stdout, /^ROLE +PERMISSIONS +DESCRIPTION$/);
    assert.deepEqual(
      rows.find((row) => row[0] === "AUDITOR"),
      ["AUDITOR", "audit:read", "Looks, never touches"],
    );
    assert.deepEqual(rows.find((row) => row[0] === "ADMIN")?.[1], "gatehouse:admin");
    assertAligned(roles.stdout);
    assert.deepEqual(await json(["role", "list"]), (await adminGet("/v1/admin/roles")).body.items);

    const permissions = await cli(gh, ["permission", "list"]);
    assert.deepEqual(
      rowsOf(permissions.stdout, /^PERMISSION +DESCRIPTION$/).find((row) => row[0] === "audit:read"),
      ["audit:read", "Reads the audit log"],
    );
    assert.deepEqual(await json(["permission", "list"]), (await adminGet("/v1/admin/permissions")).body.items);
  });

  it("client list --json and client show (table and --json) as the admin API's; an unknown client is exit 1", async () => {
    assert.deepEqual(await json(["client", "list"]), (await adminGet("/v1/admin/clients")).body.items);
    const { stdout } = await cli(gh, ["client", "show", "ops"]);
    const field = (label: string) => new RegExp(`^${label} +(.*)$`, "m").exec(stdout)?.[1];
    assert.equal(field("id"), "ops");
    assert.equal(field("type"), "confidential");
    assert.equal(field("grants"), "client_credentials");
    assert.equal(field("scopes"), "gatehouse:admin");
    assert.equal(field("access token ttl"), "server default");
    const [stored] = await queryDatabase<{ secret_hash: string }>(
      gh.databaseUrl,
      "select secret_hash from oauth_clients where id = ?",
      ["ops"],
    );
    assert.ok(stored?.secret_hash && ops.secret);
    for (const hidden of [stored.secret_hash, ops.secret]) assert.ok(!stdout.includes(hidden), "no secret or hash");
    assertAligned(stdout);
    assert.deepEqual(await json(["client", "show", "ops"]), (await adminGet("/v1/admin/clients/ops")).body);
    assertOneErrorLine(await runCli(["client", "show", "nope"], gh.env), /^error: not_found \(no client nope\)$/m);
  });

  it("audit tail: the newest N oldest first, --user filters by name, --json as the admin API's", async () => {
    const api = await adminGet("/v1/admin/audit?limit=5");
    const tail = await cli(gh, ["audit", "tail", "--limit", "5"]);
    const rows = rowsOf(tail.stdout, /^ID +TIME +EVENT +OUTCOME +USER +CLIENT +IP +ACTOR +DETAIL$/);
    assert.deepEqual(
      rows.map((row) => row[0]),
      api.body.items.map((record: { id: string }) => record.id).reverse(),
    );
    assert.deepEqual(await json(["audit", "tail", "--limit", "5"]), [...api.body.items].reverse());

    const hana = rowsOf((await cli(gh, ["audit", "tail", "--user", "hana"])).stdout, /^ID /);
    assert.deepEqual(
      hana.map((row) => [row[2], row[3], row[4]]),
      [
        ["register", "success", "hana"],
        ["login", "success", "hana"],
      ],
    );
    const { items } = (await adminGet(`/v1/admin/audit?user_id=${hanaId}`)).body;
    assert.deepEqual(await json(["audit", "tail", "--user", "hana"]), [...items].reverse());
    assert.equal((await json(["audit", "tail"])).length, 20, "20 by default");
  });

  it("audit tail --follow prints a record written after it started, and ends with 0 on SIGINT", async () => {
    const runs = [
      {
        args: ["--follow"],
        success: /^\d+ +\S+ +login +success +hana /,
        failure: /^\d+ +\S+ +login +failure +hana +\S+ +127\.0\.0\.1/,
      },
      {
        args: ["--follow", "--json"],
        success: /"event":"login","outcome":"success"/,
        failure: /"event":"login","outcome":"failure"/,
      },
    ];
    for (const [index, run] of runs.entries()) {
      const running = spawnCli(["audit", "tail", "--user", "hana", ...run.args], gh.env);
      try {
        // The first read is done once hana's last records so far are there (a refused login per earlier run).
        await running.waitFor(run.success);
        if (index > 0) await running.waitFor(run.failure, index);
        const refused = await token(gh, web, { grant_type: "password", username: "hana", password: "not her password" });
        assert.equal(refused.status, 400, refused.text);
        const seen = await running.waitFor(run.failure, index + 1);
        assert.equal(seen.split("\n").filter((line) => run.failure.test(line)).length, index + 1, seen);
        if (run.args.includes("--json")) {
          const records = seen
            .trimEnd()
            .split("\n")
            .map((text) => JSON.parse(text));
          assert.deepEqual([records.at(-1).user_id, records.at(-1).ip], [hanaId, "127.0.0.1"]);
        }
      } finally {
        const ended = await running.stop("SIGINT");
        assert.deepEqual([ended.code, ended.signal], [0, null], ended.stderr);
      }
    }
  });

  it("every command, old and new, answers --help and help <command> with its usage and exit 0", async () => {
    const { stdout } = await cli(gh, ["help"]);
    const usages = stdout
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((line) => line.trim());
    // A command's words are the lower-case ones its usage starts with (`user add-role`, `import`).
    const commandOf = (usage: string) => /^[a-z][a-z-]*(?: [a-z][a-z-]*)*(?= |$)/.exec(usage)?.[0] ?? usage;
    const commands = usages.map(commandOf);
    for (const command of [
      "user list",
      "user show",
      "role list",
      "permission list",
      "client list",
      "client show",
      "audit tail",
    ]) {
      assert.ok(commands.includes(command), `help lacks ${command}`);
    }
    const checks = usages.flatMap((usage) => {
      const words = commandOf(usage).split(" ");
      return [
        [...words, "--help"],
        ["help", ...words],
      ].map((args) => ({ args, usage }));
    });
    for (let start = 0; start < checks.length; start += 8) {
      await Promise.all(
        checks.slice(start, start + 8).map(async ({ args, usage }) => {
          const result = await runCli(args, gh.env);
          assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
          assert.equal(result.stdout, `usage: gatehouse ${usage}\n`, args.join(" "));
        }),
      );
    }
  });
});
