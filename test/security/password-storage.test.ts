// test-databases: each
// Password policy over HTTP and password storage in the database (security S1, S3, S4, S5).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const register = (gh: TestServer, username: string, password: string) =>
  gh.post("/api/auth/register", { json: { username, password } });
const loginCode = async (gh: TestServer, username: string, password: string) =>
  (await gh.post("/api/auth/login", { json: { username, password } })).body.code;

describe("minimum length in code points, configurable to 15 (security S1)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ PASSWORD_MIN_LENGTH: "15" });
  });
  after(() => gh.close());

  it("14 ASCII characters and 14 astral emoji (28 UTF-16 units) are refused; 15 of either are accepted", async () => {
    const cases: [string, string, number][] = [
      ["min-ascii-14", "abcdefghijklmn", 1],
      ["min-emoji-14", "😀🐍🚀🎲🧩🌵🦊🍉🎈🪁🛶🧭🪐🌋", 1],
      ["min-ascii-15", "abcdefghijklmno", 0],
      ["min-emoji-15", "😀🐍🚀🎲🧩🌵🦊🍉🎈🪁🛶🧭🪐🌋🦉", 0],
    ];
    for (const [username, password, code] of cases) {
      const response = await register(gh, username, password);
      assert.equal(response.body.code, code, `${username}: ${response.text}`);
      if (code === 1) assert.match(response.body.msg, /15/, "the reason names the minimum");
    }
    for (const uid of ["min-lumen-14", "min-lumen-15"]) {
      const password = uid.endsWith("14") ? "🦊".repeat(14) : "🦊".repeat(15);
      const response = await gh.post("/register", { json: { uid, email: `${uid}@example.com`, password } });
      assert.equal(response.status, uid.endsWith("14") ? 422 : 200, response.text);
    }
  });
});

describe("no trimming or case folding; the same normalisation when setting and verifying (security S3)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: "50" });
  });
  after(() => gh.close());

  it("a trailing or leading space is part of the password", async () => {
    assert.equal((await register(gh, "space-tail", `${PASSWORD} `)).body.code, 0);
    assert.equal(await loginCode(gh, "space-tail", PASSWORD), 1);
    assert.equal(await loginCode(gh, "space-tail", `${PASSWORD} `), 0);
    assert.equal((await register(gh, "space-head", `  ${PASSWORD}`)).body.code, 0);
    assert.equal(await loginCode(gh, "space-head", PASSWORD), 1);
    assert.equal(await loginCode(gh, "space-head", `  ${PASSWORD}`), 0);
  });

  it("case matters", async () => {
    assert.equal((await register(gh, "case-user", "Correct Horse Battery")).body.code, 0);
    assert.equal(await loginCode(gh, "case-user", "correct horse battery"), 1);
    assert.equal(await loginCode(gh, "case-user", "CORRECT HORSE BATTERY"), 1);
    assert.equal(await loginCode(gh, "case-user", "Correct Horse Battery"), 0);
  });

  it("composed é when set, decomposed e + U+0301 at login (and the other way round) → success", async () => {
    assert.equal((await register(gh, "nfc-user", "café au lait, très chaud")).body.code, 0);
    assert.equal(await loginCode(gh, "nfc-user", "cafe\u0301 au lait, tre\u0300s chaud"), 0);
    assert.equal((await register(gh, "nfd-user", "cre\u0300me bru\u0302le\u0301e du jour")).body.code, 0);
    assert.equal(await loginCode(gh, "nfd-user", "crème brûlée du jour"), 0);
  });

  it("a lone surrogate is refused at registration and never matches at login", async () => {
    const response = await register(gh, "surrogate-user", `${PASSWORD}\ud800`);
    assert.equal(response.body.code, 1, response.text);
    assert.equal(await loginCode(gh, "surrogate-user", `${PASSWORD}\ud800`), 1);
    assert.equal(await loginCode(gh, "surrogate-user", `${PASSWORD}\ufffd`), 1);
    const lumen = await gh.post("/register", {
      json: { uid: "surrogate-lumen", email: "sl@example.com", password: `${PASSWORD}\udc00` },
    });
    assert.equal(lumen.status, 422, lumen.text);
  });
});

describe("common and context passwords are refused with a reason, at registration and password change (security S4)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("password12345678 and <username>-123456789", async () => {
    for (const password of ["password12345678", "block-user-123456789"]) {
      const extended = await register(gh, "block-user", password);
      assert.deepEqual(extended.body, { code: 1, data: null, msg: "密码过于常见或包含用户名，请换一个" }, password);
      const lumen = await gh.post("/register", { json: { uid: "block-user", email: "b@example.com", password } });
      assert.deepEqual(lumen.body, { password: ["The password is too common or contains the uid."] }, password);
    }
    assert.equal((await gh.post("/auth/register", { json: { username: "block-user", password: PASSWORD } })).status, 200);
    for (const newPassword of ["password12345678", "block-user-123456789"]) {
      const change = await gh.post("/auth/password", { json: { username: "block-user", oldPassword: PASSWORD, newPassword } });
      assert.equal(change.status, 401, change.text);
      assert.match(change.body.message, /common|username/, newPassword);
    }
    assert.equal(await loginCode(gh, "block-user", PASSWORD), 0, "the refused changes left the password as it was");
  });

  it("a common password beyond the first thousands is refused with the same reason", async () => {
    // Rank about 30,500 of the breach-derived list.
    const response = await register(gh, "deep-list-user", "iloveyou123");
    assert.deepEqual(response.body, { code: 1, data: null, msg: "密码过于常见或包含用户名，请换一个" }, response.text);
  });

  it("a password built on the service name is refused too", async () => {
    const response = await register(gh, "service-user", "gatehouse-123456789");
    assert.deepEqual(response.body, { code: 1, data: null, msg: "密码过于常见或包含用户名，请换一个" }, response.text);
  });
});

describe("password storage (security S5)", () => {
  let gh: TestServer;
  const canary = `canary-${randomBytes(8).toString("hex")}`;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  const hashOf = async (username: string) =>
    (
      await queryDatabase<{ password_hash: string }>(
        gh.databaseUrl,
        "select password_hash from users where username_canonical = ?",
        [username],
      )
    )[0]?.password_hash ?? "";

  it("stores Argon2id with m ≥ 19456 KiB, t ≥ 2, p = 1 and a unique salt per user", async () => {
    for (const username of ["store-a", "store-b"]) assert.equal((await register(gh, username, canary)).body.code, 0);
    const [a, b] = [await hashOf("store-a"), await hashOf("store-b")];
    for (const hash of [a, b]) {
      const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
      assert.ok(match, `not an argon2id hash: ${hash}`);
      const [, m, t, p, salt] = match;
      assert.ok(Number(m) >= 19456 && Number(t) >= 2 && Number(p) === 1, hash);
      assert.ok(Buffer.from(salt as string, "base64").length >= 4, "salt under 32 bits");
    }
    assert.notEqual(a, b);
    assert.notEqual(a.split("$")[4], b.split("$")[4], "two users share a salt");
  });

  it("keeps the password itself out of every table, and out of the SQLite files and WAL", async () => {
    for (const table of ["users", "sessions", "refresh_tokens", "audit_events", "signing_keys"]) {
      const rows = await queryDatabase(gh.databaseUrl, `select * from ${table}`);
      assert.ok(!JSON.stringify(rows).includes(canary), `the password is in ${table}`);
    }
    if (gh.databaseUrl.startsWith("sqlite:")) {
      const file = gh.databaseUrl.slice("sqlite:".length);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        if (existsSync(path)) assert.ok(!readFileSync(path).includes(canary), `the password is in ${path}`);
      }
    }
  });

  it("upgrades a hash with weaker parameters at the next login", async () => {
    assert.equal((await register(gh, "store-upgrade", PASSWORD)).body.code, 0);
    assert.match(await hashOf("store-upgrade"), /,t=2,/);
    const stronger = await startServer({ DATABASE_URL: gh.databaseUrl, ARGON2_ITERATIONS: "3" });
    try {
      assert.equal(
        (await stronger.post("/api/auth/login", { json: { username: "store-upgrade", password: PASSWORD } })).body.code,
        0,
      );
    } finally {
      await stronger.close();
    }
    assert.match(await hashOf("store-upgrade"), /^\$argon2id\$v=19\$m=\d+,t=3,p=1\$/);
    assert.equal(await loginCode(gh, "store-upgrade", PASSWORD), 0, "the upgraded hash still verifies");
  });
});
