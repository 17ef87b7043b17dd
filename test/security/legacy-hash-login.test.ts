// test-databases: each
// An imported werkzeug scrypt hash logs in over HTTP and is replaced by Argon2id (security S74).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase, writeDatabase } from "../helpers/database.js";
import { committedFixtures, werkzeugHashes } from "../helpers/legacy-hash-tools.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";

/** Writes a stored hash straight into the database, as `gatehouse import` would have left it. */
async function setStoredHash(databaseUrl: string, username: string, hash: string): Promise<void> {
  assert.equal(await writeDatabase(databaseUrl, "update users set password_hash = ? where username = ?", [hash, username]), 1);
}

/** A werkzeug 3 `generate_password_hash` (scrypt, its default) of the password, made now if possible. */
function werkzeugScryptHash(): string {
  const made = werkzeugHashes([["scrypt", PASSWORD]]);
  if (made?.[0]) return made[0];
  const message = "PYTHON'S WERKZEUG IS NOT AVAILABLE: the committed werkzeug scrypt fixture is used instead";
  if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
  console.warn(`!!! ${message} !!!`);
  const fixture = committedFixtures().find((entry) => entry.scheme === "scrypt" && entry.password === PASSWORD);
  assert.ok(fixture, "the fixtures hold a werkzeug scrypt hash of the password");
  return fixture.hash;
}

describe("a user imported with a werkzeug scrypt hash logs in through jwt-extended", () => {
  let gh: TestServer;
  let imported: string;
  before(async () => {
    gh = await startServer();
    imported = werkzeugScryptHash();
    assert.match(imported, /^scrypt:32768:8:1\$/);
  });
  after(() => gh.close());

  const login = (username: string, password: string) => gh.post("/api/auth/login", { json: { username, password } });
  const storedHash = async (username: string) =>
    (
      await queryDatabase<{ password_hash: string }>(gh.databaseUrl, "select password_hash from users where username = ?", [
        username,
      ])
    )[0]?.password_hash;

  /** A registered account whose stored hash is then replaced by the werkzeug one. */
  async function importedUser(username: string): Promise<void> {
    assert.equal(
      (await gh.post("/api/auth/register", { json: { username, password: "a different passphrase 9" } })).body.code,
      0,
    );
    await setStoredHash(gh.databaseUrl, username, imported);
    assert.equal(await storedHash(username), imported);
  }

  it("logs in with the original password; the stored hash becomes Argon2id and the next login works", async () => {
    await importedUser("legacy-alice");
    const first = await login("legacy-alice", PASSWORD);
    assert.equal(first.status, 200);
    assert.equal(first.body.code, 0, first.text);
    assert.ok(first.body.data.access_token);
    const upgraded = await storedHash("legacy-alice");
    assert.match(upgraded ?? "", /^\$argon2id\$v=19\$m=\d+,t=\d+,p=1\$/);
    assert.equal((await login("legacy-alice", PASSWORD)).body.code, 0, "the Argon2id hash verifies");
    assert.equal(await storedHash("legacy-alice"), upgraded, "and is not replaced again");
    const rehashed = await queryDatabase<{ detail: string }>(
      gh.databaseUrl,
      "select a.detail from audit_events a join users u on u.id = a.user_id where u.username = ? and a.event = 'password_rehashed'",
      ["legacy-alice"],
    );
    assert.deepEqual(rehashed, [{ detail: "scrypt" }], "one audit record names the replaced scheme");
    assert.notEqual(
      (await login("legacy-alice", "a different passphrase 9")).body.code,
      0,
      "the registration's password is gone",
    );
  });

  it("refuses a wrong password and keeps the imported hash", async () => {
    await importedUser("legacy-bob");
    const wrong = await login("legacy-bob", `${PASSWORD}!`);
    assert.notEqual(wrong.body.code, 0);
    assert.ok(wrong.status < 500, wrong.text);
    assert.equal(await storedHash("legacy-bob"), imported);
    assert.equal((await login("legacy-bob", PASSWORD)).body.code, 0, "the right one still works afterwards");
  });

  it("two concurrent first logins both succeed, and the stored hash ends Argon2id", async () => {
    await importedUser("legacy-carol");
    const both = await Promise.all([login("legacy-carol", PASSWORD), login("legacy-carol", PASSWORD)]);
    for (const response of both) assert.equal(response.body.code, 0, response.text);
    assert.match((await storedHash("legacy-carol")) ?? "", /^\$argon2id\$/);
    assert.equal((await login("legacy-carol", PASSWORD)).body.code, 0);
  });

  it("verifies an imported hash against the password as typed, then keeps Gatehouse's own NFKC form", async (t) => {
    // Full-width letters and digits: the original hashed these bytes; NFKC folds them to ASCII.
    const typed = "ｐａｓｓ１２３ horse battery";
    const made = werkzeugHashes([["scrypt", typed]])?.[0];
    if (!made) {
      const message = "PYTHON'S WERKZEUG IS NOT AVAILABLE for the full-width password hash";
      if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
      t.skip(message);
      return;
    }
    assert.equal((await gh.post("/api/auth/register", { json: { username: "legacy-wide", password: PASSWORD } })).body.code, 0);
    await setStoredHash(gh.databaseUrl, "legacy-wide", made);
    assert.notEqual((await login("legacy-wide", typed.normalize("NFKC"))).body.code, 0, "the folded form is not what was hashed");
    assert.equal((await login("legacy-wide", typed)).body.code, 0, "the password as typed verifies");
    assert.match((await storedHash("legacy-wide")) ?? "", /^\$argon2id\$/);
    assert.equal((await login("legacy-wide", typed)).body.code, 0, "as typed, after the upgrade");
    assert.equal(
      (await login("legacy-wide", typed.normalize("NFKC"))).body.code,
      0,
      "and in its NFKC form, as for every Argon2id hash",
    );
  });
});
