// test-databases: each
// Each command checks its command line against the options it declares before anything is
// opened, and a password or client secret can come on standard input instead of the arguments.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type CliResult, runCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, createUser, login, PASSWORD, passwordGrant } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const CLIENT_CREATE =
  "usage: gatehouse client create --id ID [--secret S | --secret-stdin | --public] --grants g1,g2 [--scopes s1,s2] " +
  "[--name NAME] [--redirect-uri URI]... [--post-logout-redirect-uri URI]... " +
  "[--auth-method client_secret_basic|client_secret_post] [--first-party]";
const USER_CREATE = "usage: gatehouse user create --username U (--password P | --password-stdin) [--email E] [--role R]...";
const SECRET = "a-client-secret-of-more-than-32-characters";

/** A usage error: exit 2, nothing on stdout, one `error:` line naming the problem, then the usage line. */
function assertUsageError(result: CliResult, problem: RegExp, usage: string): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, "");
  const [first = "", second, third] = result.stderr.split("\n");
  assert.match(first, /^error: /);
  assert.match(first, problem);
  assert.equal(second, usage);
  assert.equal(third, "");
}

/** The arguments of a running process as the kernel shows them to `ps`. */
const processArgv = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");

describe("gatehouse CLI command lines", () => {
  let gh: TestServer;
  let web: Client;
  /** The clients there are before the tests that must create none. */
  let clientsBefore: string[];
  const clientIds = async () =>
    (await queryDatabase<{ id: string }>(gh.databaseUrl, "select id from oauth_clients order by id")).map((row) => row.id);
  const userExists = async (username: string) =>
    (await queryDatabase(gh.databaseUrl, "select id from users where username = ?", [username])).length > 0;

  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
    await createUser(gh, "hana");
    clientsBefore = await clientIds();
  });
  after(() => gh?.close());

  it("a mistyped option (--scope for --scopes) is refused and creates no client", async () => {
    const result = await runCli(
      ["client", "create", "--id", "typo", "--secret", SECRET, "--grants", "password", "--scope", "read"],
      gh.env,
    );
    assertUsageError(result, /^error: unknown option --scope$/, CLIENT_CREATE);
    assert.deepEqual(await clientIds(), clientsBefore);
    const response = await passwordGrant(gh, { id: "typo", secret: SECRET }, "hana");
    assert.equal(response.status, 401, response.text);
    assert.equal(response.body.error, "invalid_client");
  });

  it("an option without its value is refused, the next option is never taken for it", async () => {
    const cases: [string[], RegExp][] = [
      [["client", "create", "--grants", "password", "--id"], /^error: --id needs a value$/],
      [["client", "create", "--id", "--grants", "password"], /^error: --id needs a value, not "--grants"/],
      [["client", "create", "--id=", "--grants", "password"], /^error: --id needs a value$/],
    ];
    for (const [args, problem] of cases) assertUsageError(await runCli(args, gh.env), problem, CLIENT_CREATE);
    assert.deepEqual(await clientIds(), clientsBefore);
  });

  it("a repeated option, a missing one, a conflict, a flag with a value or a stray argument is refused", async () => {
    const create = ["client", "create", "--id", "bad"];
    const cases: [string[], RegExp, string][] = [
      [[...create, "--grants", "password", "--grants", "refresh_token"], /--grants given more than once$/, CLIENT_CREATE],
      [["client", "create", "--grants", "password"], /--id is required$/, CLIENT_CREATE],
      [
        [...create, "--secret", SECRET, "--public", "--grants", "password"],
        /--secret and --public cannot be used together$/,
        CLIENT_CREATE,
      ],
      [[...create, "--public=yes", "--grants", "password"], /--public takes no value$/, CLIENT_CREATE],
      [[...create, "--grants", "password", "extra"], /unexpected argument "extra"$/, CLIENT_CREATE],
      [["user", "create", "--username", "x", "-p", PASSWORD], /unknown option -p$/, USER_CREATE],
      [["user", "disable", "hana", "extra"], /unexpected argument "extra"$/, "usage: gatehouse user disable USERNAME"],
      [["user", "add-role", "hana"], /ROLE is required$/, "usage: gatehouse user add-role USERNAME ROLE"],
      [["migrate", "--force"], /unknown option --force$/, "usage: gatehouse migrate"],
    ];
    for (const [args, problem, usage] of cases) assertUsageError(await runCli(args, gh.env), problem, usage);
    assert.deepEqual(await clientIds(), clientsBefore);
  });

  it("--password-stdin creates a user who can log in; the password is never in the process's arguments", async () => {
    // Spaces at either end belong to the password: only the trailing newline is removed.
    const password = "  a passphrase read from stdin  ";
    let argv: string[] = [];
    const result = await runCli(["user", "create", "--username", "stdin-user", "--password-stdin"], gh.env, {
      input: `${password}\n`,
      // The CLI waits for its input here, so this is its own argv, after exec.
      beforeInput: (pid) => {
        argv = processArgv(pid);
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(argv.includes("--password-stdin"), `not the CLI's argv: ${argv.join(" ")}`);
    for (const text of [...argv, result.stdout, result.stderr]) assert.ok(!text.includes("passphrase"), text);
    await login(gh, web, "stdin-user", password);
    const trimmed = await passwordGrant(gh, web, "stdin-user", password.trim());
    assert.equal(trimmed.body.error, "invalid_grant", "nothing but the newline was trimmed");
  });

  it("--password and --password-stdin together are refused and create no user", async () => {
    const result = await runCli(
      ["user", "create", "--username", "both-ways", "--password", PASSWORD, "--password-stdin"],
      gh.env,
      {
        input: `${PASSWORD}\n`,
      },
    );
    assertUsageError(result, /^error: --password and --password-stdin cannot be used together$/, USER_CREATE);
    assert.equal(await userExists("both-ways"), false);
  });

  it("--password-stdin refuses empty input and more than one line", async () => {
    const cases: [string, RegExp][] = [
      ["", /^error: --password-stdin: standard input is empty$/],
      ["\n", /^error: --password-stdin: standard input is empty$/],
      [`${PASSWORD}\nsecond line\n`, /^error: --password-stdin: standard input holds more than one line$/],
    ];
    for (const [input, problem] of cases) {
      const result = await runCli(["user", "create", "--username", "no-input", "--password-stdin"], gh.env, { input });
      assertUsageError(result, problem, USER_CREATE);
    }
    assert.equal(await userExists("no-input"), false);
  });

  it("--secret-stdin sets the client's secret, which is not printed", async () => {
    const result = await runCli(["client", "create", "--id", "piped", "--secret-stdin", "--grants", "password"], gh.env, {
      input: `${SECRET}\n`,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "created client piped\n");
    assert.equal((await passwordGrant(gh, { id: "piped", secret: SECRET }, "hana")).status, 200);
  });

  it("--help after a command, or help and the command, shows its usage and exits 0", async () => {
    for (const args of [
      ["client", "create", "--help"],
      ["help", "client", "create"],
    ]) {
      const result = await runCli(args, gh.env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${CLIENT_CREATE}\n`);
    }
  });
});
