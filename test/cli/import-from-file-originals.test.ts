// test-databases: each
// `gatehouse import --from terminal` and `--from spring-oauth`, end to end: the bookstore's own
// SQLite be.db and a mongoexport of the Spring server's user collection (its $2a$ hashes made by
// Python's bcrypt, in the form Spring's BCryptPasswordEncoder writes), imported by the built CLI into
// a running Gatehouse; then each user logs in through that dialect's own login route with the
// original password.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ARGON2ID, assertRehashedOnce, importFrom, rehashedSchemes, storedUser, userCount } from "../helpers/import-from.js";
import { pythonBcrypt } from "../helpers/legacy-hash-tools.js";
import { writeBookstore, writeMongoexport } from "../helpers/original-stores.js";
import { startServer, type TestServer } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-from-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The bookstore's users, passwords in plain text; the second differs from the first by case only.
const CAROL = { username: "carol", password: "correct horse battery" };
const CAROL_UPPER = { username: "Carol", password: "another pass 2" };
const READER = { username: "读者一号", password: "密码 很长 很长" };
const OLD_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiY2Fyb2wifQ.old-bookstore-token";

describe("import --from terminal, then log in through /auth/login", () => {
  let gh: TestServer;
  let source: string;
  const rejects = join(dir, "terminal-rejects.jsonl");
  const login = (username: string, password: string) =>
    gh.post("/auth/login", { json: { username, password, terminal: "terminal_1" } });
  before(async () => {
    const path = writeBookstore(join(dir, "be.db"), [
      [CAROL.username, CAROL.password, 100, OLD_TOKEN, "terminal_1"],
      [CAROL_UPPER.username, CAROL_UPPER.password, 0, null, null],
      [READER.username, READER.password, 5, null, null],
    ]);
    source = `sqlite:${path}`;
    gh = await startServer();
  });
  after(() => gh?.close());

  it("imports the users with their plaintext passwords hashed to Argon2id, rejecting the duplicate by case (exit 1)", async () => {
    const run = await importFrom(gh, "terminal", source, rejects);
    assert.equal(run.code, 1);
    assert.deepEqual(run.counts, { imported: 2, updated: 0, skipped: 0, rejected: 1, roles: 0 });
    assert.match(run.rejects[0]?.reason ?? "", /username/);
    assert.equal(JSON.parse(run.rejects[0]!.input).user_id, CAROL_UPPER.username);
    for (const user of [CAROL, READER]) assert.match((await storedUser(gh, user.username))?.password_hash ?? "", ARGON2ID);
  });

  it("logs in with the bookstore password; the token logs that user_id out, the old server's token does not", async () => {
    for (const user of [CAROL, READER]) {
      const response = await login(user.username, user.password);
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.message, "ok");
      const logout = await gh.post("/auth/logout", {
        json: { username: user.username },
        headers: { token: response.body.token },
      });
      assert.equal(logout.status, 200, logout.text);
    }
    const old = await gh.post("/auth/logout", { json: { username: CAROL.username }, headers: { token: OLD_TOKEN } });
    assert.equal(old.status, 401, old.text);
    const wrong = await login(CAROL.username, CAROL_UPPER.password);
    assert.equal(wrong.status, 401, "the rejected duplicate's password opens no account");
  });

  it("hashed on import with the current parameters, so a login rehashes nothing", async () => {
    for (const user of [CAROL, READER]) {
      const stored = await storedUser(gh, user.username);
      assert.deepEqual(await rehashedSchemes(gh, stored!.id), []);
    }
  });

  it("a re-run changes nothing: the same rejection (exit 1), the others skipped with their hashes kept", async () => {
    const hashBefore = (await storedUser(gh, CAROL.username))?.password_hash;
    const users = await userCount(gh);
    const run = await importFrom(gh, "terminal", source, rejects);
    assert.equal(run.code, 1);
    assert.deepEqual(run.counts, { imported: 0, updated: 0, skipped: 2, rejected: 1, roles: 0 });
    assert.equal(await userCount(gh), users);
    assert.equal((await storedUser(gh, CAROL.username))?.password_hash, hashBefore);
    assert.equal((await login(CAROL.username, CAROL.password)).status, 200);
  });
});

// The Spring server's users: `_id` is the login id, `username` the display name.
const LEON = { id: "leon", name: "dastur", email: "leondastur@163.com", password: "Spring password 1" };
const LEON_UPPER = { id: "Leon", name: "达斯特", email: null, password: "another leon 2" };
const MEI = { id: "mei", name: "梅", email: "mei@example.com", password: "美丽的 密码 3" };
const WATUP = `Basic ${Buffer.from("watup:watup").toString("base64")}`;

async function mongoexportLines(): Promise<string[]> {
  const twoA = (password: string) => {
    const made = pythonBcrypt(password, 10, "2a");
    if (made === null) throw new Error("PYTHON'S BCRYPT (python3-bcrypt for /usr/bin/python3) IS NOT AVAILABLE");
    return made;
  };
  const [leon, upper, mei] = [twoA(LEON.password), twoA(LEON_UPPER.password), twoA(MEI.password)];
  const entity = `"_class":"com.watup.auth.entity.User"`;
  return [
    `{"_id":"${LEON.id}","username":"${LEON.name}","password":"${leon}","email":"${LEON.email}","avatarUrl":"https://cdn.example.com/a/leon.png","createdDate":{"$date":"2020-06-10T08:00:00Z"},${entity}}`,
    `{"_id":"${LEON_UPPER.id}","username":"${LEON_UPPER.name}","password":"${upper}","createdDate":{"$date":{"$numberLong":"1591776000000"}},${entity}}`,
    // Spring's DelegatingPasswordEncoder writes the same hash with its id in front.
    `{"_id":"${MEI.id}","username":"${MEI.name}","password":"{bcrypt}${mei}","email":"${MEI.email}",${entity}}`,
  ];
}

describe("import --from spring-oauth, then log in through /oauth/login", () => {
  let gh: TestServer;
  let source: string;
  const rejects = join(dir, "spring-rejects.jsonl");
  const login = (id: string, password: string) => gh.post("/oauth/login", { form: { id, password } });
  before(async () => {
    source = writeMongoexport(join(dir, "user.json"), await mongoexportLines());
    gh = await startServer();
  });
  after(() => gh?.close());

  it("imports the documents, rejecting the duplicate by case (exit 1)", async () => {
    const run = await importFrom(gh, "spring-oauth", source, rejects);
    assert.equal(run.code, 1);
    assert.deepEqual(run.counts, { imported: 2, updated: 0, skipped: 0, rejected: 1, roles: 0 });
    assert.match(run.rejects[0]?.reason ?? "", /username/);
    assert.equal(run.rejects[0]?.line, 2);
    assert.match((await storedUser(gh, LEON.id))?.password_hash ?? "", /^\$2a\$10\$/);
  });

  it("logs in with _id and the original password, answering with the original's fields", async () => {
    const response = await login(LEON.id, LEON.password);
    assert.equal(response.body.code, 200, response.text);
    const { access_token: access, refresh_token: refresh, expires_in: expiresIn, ...rest } = response.body.data;
    assert.ok(typeof access === "string" && typeof refresh === "string" && Number(expiresIn) > 0, response.text);
    assert.deepEqual(rest, { token_type: "bearer", scope: "all", id: LEON.id, email: LEON.email, username: LEON.name });
    // The resource servers ask check_token whose the token is.
    const checked = await gh.post("/oauth/check_token", { form: { token: access }, headers: { authorization: WATUP } });
    assert.equal(checked.status, 200, checked.text);
    const { exp, ...who } = checked.body;
    assert.ok(Number(exp) > 0, checked.text);
    // As the original answered: user_name is the display name, id the login id.
    assert.deepEqual(who, {
      user_name: LEON.name,
      id: LEON.id,
      email: LEON.email,
      username: LEON.name,
      scope: ["all"],
      active: true,
      client_id: "watup",
    });
  });

  it("the first login replaces the $2a$ and {bcrypt} hashes by Argon2id, audited as bcrypt", async () => {
    // The first user logged in once above.
    const leon = await storedUser(gh, LEON.id);
    assert.match(leon?.password_hash ?? "", ARGON2ID);
    assert.deepEqual(await rehashedSchemes(gh, leon!.id), ["bcrypt"]);
    assert.equal((await login(LEON.id, LEON.password)).body.code, 200, "the Argon2id hash verifies");
    await assertRehashedOnce(gh, MEI.id, "bcrypt", async () => {
      const byEmail = await login(MEI.email, MEI.password);
      assert.equal(byEmail.body.code, 200, byEmail.text);
      assert.equal(byEmail.body.data.id, MEI.id, "the email also names the account, as in the original");
    });
    const wrong = await login(LEON.id, LEON_UPPER.password);
    assert.notEqual(wrong.body.code, 200, "the rejected duplicate's password opens no account");
    assert.ok(wrong.status < 500, wrong.text);
  });

  it("a re-run changes nothing: the same rejection (exit 1), the others skipped", async () => {
    const users = await userCount(gh);
    const run = await importFrom(gh, "spring-oauth", source, rejects);
    assert.equal(run.code, 1);
    assert.deepEqual(run.counts, { imported: 0, updated: 0, skipped: 2, rejected: 1, roles: 0 });
    assert.equal(await userCount(gh), users);
    assert.equal((await login(LEON.id, LEON.password)).body.code, 200);
  });
});
