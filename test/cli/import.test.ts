// test-databases: each
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createPasswordHasher } from "../../src/core/passwords/hasher.js";
import { runCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, passwordGrant, PASSWORD } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const jsonl = (...rows: unknown[]) => rows.map((row) => (typeof row === "string" ? row : JSON.stringify(row))).join("\n") + "\n";

describe("gatehouse import (Gatehouse's JSON Lines format)", () => {
  let gh: TestServer;
  let web: Client;
  let dir: string;
  let hashOfSecret: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const users = (where = "1 = 1", params: unknown[] = []) =>
    queryDatabase<{
      id: string;
      seq: number;
      username: string;
      status: string;
      display_name: string | null;
      password_hash: string;
    }>(
      gh.databaseUrl,
      `select id, seq, username, status, display_name, password_hash from users where ${where} order by seq`,
      params,
    );
  const importFile = (args: string[]) => runCli(["import", ...args], gh.env);

  before(async () => {
    gh = await startServer();
    web = await createClient(gh, "web");
    dir = mkdtempSync(join(tmpdir(), "gatehouse-import-"));
    const hasher = await createPasswordHasher(
      { memoryKib: gh.config.argon2MemoryKib, iterations: gh.config.argon2Iterations },
      { concurrency: 1, queueMax: 1 },
    );
    hashOfSecret = await hasher.hash("imported hash secret");
  });
  after(async () => {
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports roles and users that log in with their password or hash, keeping id, seq, roles and permissions", async () => {
    const path = file(
      "first.jsonl",
      jsonl(
        {
          type: "role",
          name: "ENGINEER",
          description: "工程师",
          permissions: [{ name: "test_permission", description: "测试权限" }],
        },
        { type: "role", name: "REVIEWER", permissions: [{ name: "test_permission" }, { name: "review" }, { name: "review" }] },
        {
          id: "legacy-7",
          seq: 7000,
          username: "Ada",
          email: "ada@example.com",
          password: PASSWORD,
          roles: ["ENGINEER", "REVIEWER"],
        },
        {
          type: "user",
          username: "grace",
          password_hash: hashOfSecret,
          created_at: "2020-05-06T07:08:09Z",
          last_login_at: 1_600_000_000_000,
        },
        { username: "nopass", display_name: "No Password", attributes: { faceInfo: "x" } },
      ),
    );
    const result = await importFile([path]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^imported 3, updated 0, skipped 0, rejected 0, roles 2 in [\d.]+ s$/m);
    assert.equal((await passwordGrant(gh, web, "ada")).status, 200);
    assert.equal((await passwordGrant(gh, web, "grace", "imported hash secret")).status, 200);
    assert.notEqual((await passwordGrant(gh, web, "nopass", "anything at all")).status, 200);
    const legacy = await gh.post("/api/auth/login", { json: { username: "Ada", password: PASSWORD } });
    assert.equal(legacy.body.code, 0, legacy.text);
    const [ada] = await users("username = ?", ["Ada"]);
    assert.equal(ada?.id, "legacy-7");
    assert.equal(Number(ada?.seq), 7000);
    const roles = await queryDatabase<{ name: string }>(
      gh.databaseUrl,
      "select r.name from roles r join user_roles ur on ur.role_id = r.id where ur.user_id = ? order by r.name",
      ["legacy-7"],
    );
    assert.deepEqual(
      roles.map((role) => role.name),
      ["ENGINEER", "REVIEWER"],
    );
    const permissions = await queryDatabase<{ name: string; description: string | null }>(
      gh.databaseUrl,
      "select name, description from permissions where name in ('test_permission', 'review') order by name",
    );
    assert.deepEqual(permissions, [
      { name: "review", description: null },
      { name: "test_permission", description: "测试权限" },
    ]);
    const [grace] = await users("username = ?", ["grace"]);
    assert.ok(grace && grace.id.length === 36 && Number(grace.seq) > 7000, "a new UUID and the next number");
    const defaultRole = await queryDatabase(
      gh.databaseUrl,
      "select 1 from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = ? and r.name = 'USER'",
      [grace?.id],
    );
    assert.equal(defaultRole.length, 1, "USER when roles is absent");
    const audit = await queryDatabase<{ detail: string }>(
      gh.databaseUrl,
      "select detail from audit_events where event = 'users_imported'",
    );
    assert.deepEqual(audit.at(-1)?.detail, "imported=3 updated=0 skipped=0 rejected=0 roles=2");
    assert.ok(!result.stderr.includes(hashOfSecret) && !result.stderr.includes(PASSWORD), "no secret on stderr");

    // A registration after an imported number gets a number of its own.
    const created = await runCli(["user", "create", "--username", "after-import", "--password", PASSWORD], gh.env);
    assert.equal(created.code, 0, created.stderr);

    // A re-run changes nothing: every row is an existing user, skipped.
    const again = await importFile([path]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^imported 0, updated 0, skipped 3, rejected 0, roles 2 /m);
    assert.equal((await users("username in ('Ada', 'grace', 'nopass')")).length, 3);
  });

  it("--on-conflict update overwrites profile, status, roles and hash; fail stops at the first conflict with exit 1", async () => {
    const path = file("update.jsonl", jsonl({ username: "Ada", display_name: "Countess", status: "disabled", roles: ["USER"] }));
    const byName = await importFile([path, "--on-conflict", "update"]);
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stdout, /^imported 0, updated 1, skipped 0, rejected 0, roles 0 /m);
    const [ada] = await users("id = ?", ["legacy-7"]);
    assert.equal(ada?.display_name, "Countess");
    assert.equal(ada?.status, "disabled");
    assert.equal((await passwordGrant(gh, web, "ada")).status, 400, "a disabled account cannot log in");
    const byId = file(
      "update-id.jsonl",
      jsonl({ id: "legacy-7", username: "Ada", password_hash: hashOfSecret, status: "active" }),
    );
    assert.equal((await importFile([byId, "--on-conflict", "update"])).code, 0);
    assert.equal((await passwordGrant(gh, web, "ada", "imported hash secret")).status, 200, "the new hash is in force");

    const fail = file("fail.jsonl", jsonl({ username: "fresh-before" }, { username: "grace" }, { username: "fresh-after" }));
    const failed = await importFile([fail, "--on-conflict", "fail"]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /stopped at the first conflict/);
    assert.equal((await users("username = 'fresh-before'")).length, 1);
    assert.equal((await users("username = 'fresh-after'")).length, 0, "nothing after the conflict");
  });

  it("--dry-run checks everything, duplicates included, and writes nothing", async () => {
    const before = await users();
    const path = file(
      "dry.jsonl",
      jsonl(
        { type: "role", name: "DRYROLE" },
        { username: "dry-one", roles: ["DRYROLE"] },
        { username: "DRY-ONE" },
        { username: "GRACE" },
        "{oops",
      ),
    );
    const result = await importFile([path, "--dry-run", "--on-conflict", "update"]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^dry run, nothing written: would import 1, updated 1, skipped 0, rejected 2, roles 1 /m);
    assert.deepEqual(await users(), before);
    assert.equal((await queryDatabase(gh.databaseUrl, "select 1 from roles where name = 'DRYROLE'")).length, 0);
  });

  it("rejects malformed rows with their reasons in the rejects file, and writes no part of them", async () => {
    const lines = [
      "{not json",
      JSON.stringify({ username: "typed", seq: "12" }),
      JSON.stringify({ username: "typed2", email_verified: "yes" }),
      JSON.stringify({ username: "typed3", attributes: ["a"] }),
      JSON.stringify({ username: "hashy", password_hash: "md5$abc" }),
      JSON.stringify({ username: "twice", email: "twice@example.com" }),
      JSON.stringify({ username: "TWICE" }),
      JSON.stringify({ username: "other", email: "TWICE@example.com" }),
      JSON.stringify({ id: "brand-new", username: "gRaCe" }),
      JSON.stringify({ username: "roleless", roles: ["NO_SUCH_ROLE"] }),
      JSON.stringify({ username: "typo", pasword: "x" }),
      JSON.stringify({ username: "has space" }),
      JSON.stringify({ username: "short", password: "abc" }),
      JSON.stringify({ username: "phoned", phone: 12345 }),
      JSON.stringify({ username: "when", created_at: "2020-01-01T10:00:00" }),
      '{"username":"dup","username":"x"}',
    ];
    const path = file("bad.jsonl", `${lines.join("\n")}\n`);
    const rejects = join(dir, "rejects.jsonl");
    writeFileSync(rejects, "stale content\n");
    const result = await importFile([path, "--rejects", rejects]);
    assert.equal(result.code, 1, result.stderr);
    const written = readFileSync(rejects, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const reasons = new Map(written.map((entry: { line: number; reason: string }) => [entry.line, entry.reason]));
    const expect: [number, RegExp][] = [
      [1, /not valid JSON/],
      [2, /seq must be a positive integer/],
      [3, /email_verified must be true or false/],
      [4, /attributes must be an object/],
      [5, /password_hash: unknown password hash format/],
      [7, /username duplicates line 6/],
      [8, /email duplicates line 6/],
      [9, /username taken by another existing user/],
      [10, /unknown role "NO_SUCH_ROLE"/],
      [11, /unknown field "pasword"/],
      [12, /username_invalid/],
      [13, /password is shorter than/],
      [14, /phone must be a string/],
      [15, /time zone/],
      [16, /repeats a member name/],
    ];
    for (const [line, reason] of expect) assert.match(reasons.get(line) ?? "(none)", reason, `line ${line}`);
    assert.equal(reasons.has(6), false, "the first of two duplicates is imported");
    const entry = written.find((item: { line: number }) => item.line === 5);
    assert.deepEqual(entry, { line: 5, reason: entry?.reason, input: lines[4] });
    assert.match(entry?.reason ?? "", /^password_hash: unknown password hash format \(supported: argon2id, werkzeug/);
    assert.equal(statSync(rejects).mode & 0o777, 0o600, "the rejects file is the owner's alone");
    const names = (await users()).map((user) => user.username);
    for (const name of [
      "typed",
      "typed2",
      "typed3",
      "hashy",
      "TWICE",
      "other",
      "roleless",
      "typo",
      "short",
      "phoned",
      "when",
      "dup",
      "x",
    ]) {
      assert.ok(!names.includes(name), `${name} was not imported`);
    }
    assert.ok(names.includes("twice"));
    assert.match(result.stdout, /^imported 1, updated 0, skipped 0, rejected 15, /m);
  });

  it("exits 2 with one line on an unreadable file, an unreachable database or a usage error, writing nothing", async () => {
    const count = (await users()).length;
    const missing = await importFile([join(dir, "missing.jsonl")]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
    assert.match(missing.stderr, /^error: cannot read .*missing\.jsonl: no such file$/m);
    const path = file("one.jsonl", jsonl({ username: "never-written" }));
    const down = await runCli(["import", path], { ...gh.env, DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^error: cannot open the database: .*ECONNREFUSED/m);
    assert.equal(down.stderr.trim().split("\n").length, 1, down.stderr);
    for (const args of [
      [path, "--on-conflict", "merge"],
      ["--from", "nowhere", "--source", "x"],
      [path, "--source", "x"],
    ]) {
      const usage = await importFile(args);
      assert.equal(usage.code, 2, args.join(" "));
      assert.match(usage.stderr, /^error: .+\nusage: gatehouse import \[FILE\|-\]/);
    }
    assert.equal((await users()).length, count);
  });

  it("reads standard input for -", async () => {
    const result = await runCli(["import", "-"], gh.env, { input: jsonl({ username: "from-stdin" }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await users("username = 'from-stdin'")).length, 1);
  });
});
