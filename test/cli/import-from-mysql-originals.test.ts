// test-databases: each
// `gatehouse import --from jwt-extended` and `--from jwt-auth`, end to end: a real MariaDB
// database with the original's schema, filled with hashes made by the originals' own libraries
// (werkzeug, htpasswd's $2y$ bcrypt), imported by the built CLI into a running Gatehouse; then
// each user logs in through that dialect's own login route with the original password.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PRV } from "../../src/dialects/jwt-auth/translate.js";
import {
  ARGON2ID,
  assertRehashedOnce,
  importFrom,
  jwtPayload,
  rehashedSchemes,
  storedUser,
  userCount,
} from "../helpers/import-from.js";
import { htpasswdBcrypt, werkzeugHashes } from "../helpers/legacy-hash-tools.js";
import { createMysqlDatabase, type MysqlDatabase } from "../helpers/mariadb.js";
import { FLASK_SCHEMA, LUMEN_SCHEMA, skipWithoutMariadb } from "../helpers/original-stores.js";
import { startServer, type TestServer } from "../helpers/server.js";

const mariadbSkip = await skipWithoutMariadb("the end-to-end imports from the originals' MySQL stores");

/** A tool that makes the originals' hashes is missing: fails when services are required, else skips. */
function toolSkip(made: unknown, tool: string): string | false {
  if (made) return false;
  const message = `${tool} IS NOT AVAILABLE: the end-to-end import from its original cannot be run`;
  if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
  console.warn(`!!! ${message} !!!`);
  return message;
}

const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-from-mysql-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The Flask app's users: one with three roles that share permissions, a disabled one, one more,
// and a second account differing from the first only by case (MySQL's collation let it in).
const ZHOU = { id: "0c3f6a1e-47c7-4c87-af5e-a1628641ec98", username: "licheng.zhou", password: "correct horse battery" };
const DISABLED = { id: "5d2e7f80-0000-4000-8000-000000000002", username: "former.staff", password: "left the company 2024" };
const HAN = { id: "7a9d4e5f-0000-4000-8000-000000000003", username: "周立成", password: "密码 很长 很长 很长" };
const ZHOU_UPPER = { id: "fe0e3c1a-0000-4000-8000-000000000004", username: "Licheng.Zhou", password: "another person's pw" };
const werkzeug = werkzeugHashes([
  ["scrypt", ZHOU.password],
  ["pbkdf2:sha256", DISABLED.password],
  ["pbkdf2:sha256", HAN.password],
  ["scrypt", ZHOU_UPPER.password],
]);

function flaskRows([zhou, disabled, han, upper]: string[]): string {
  return `
  INSERT INTO roles VALUES (1, 'ADMIN', '管理员'), (2, 'USER', '普通用户'), (3, 'ENGINEER', '工程师');
  INSERT INTO permissions VALUES (1, 'test_permission', '测试权限'), (2, 'deploy', '部署'), (3, 'read_logs', NULL);
  INSERT INTO role_permissions VALUES (2, 1), (3, 1), (3, 2), (3, 2), (1, 2), (1, 3);
  INSERT INTO users VALUES
    ('${ZHOU.id}', '${ZHOU.username}', '${zhou}', 'licheng@example.com', '13800138000', '{"vector":[0.12,0.5]}', 1,
      '2025-04-08 13:14:37', '2025-04-08 13:14:30', '2025-04-08 13:14:30'),
    ('${DISABLED.id}', '${DISABLED.username}', '${disabled}', NULL, NULL, NULL, 0, NULL, '2024-01-02 03:04:05', '2024-06-01 00:00:00'),
    ('${HAN.id}', '${HAN.username}', '${han}', 'zhou@例子.cn', NULL, NULL, 1, NULL, '2025-05-01 00:00:01', '2025-05-01 00:00:01'),
    ('${ZHOU_UPPER.id}', '${ZHOU_UPPER.username}', '${upper}', NULL, NULL, NULL, 1, NULL, '2025-04-09 08:00:00', '2025-04-09 08:00:00');
  INSERT INTO user_roles VALUES ('${ZHOU.id}', 1), ('${ZHOU.id}', 2), ('${ZHOU.id}', 3), ('${DISABLED.id}', 2),
    ('${HAN.id}', 2), ('${ZHOU_UPPER.id}', 2)`;
}

describe(
  "import --from jwt-extended, then log in through /api/auth/login",
  { skip: mariadbSkip || toolSkip(werkzeug, "PYTHON'S WERKZEUG") },
  () => {
    let gh: TestServer;
    let db: MysqlDatabase;
    const rejects = join(dir, "jwt-extended-rejects.jsonl");
    const login = (username: string, password: string) => gh.post("/api/auth/login", { json: { username, password } });
    before(async () => {
      db = await createMysqlDatabase(`${FLASK_SCHEMA}; ${flaskRows(werkzeug ?? [])}`);
      gh = await startServer();
    });
    after(async () => {
      await gh?.close();
      await db?.drop();
    });

    it("imports the roles and users, rejecting the duplicate by case (exit 1)", async () => {
      const before = await userCount(gh);
      const run = await importFrom(gh, "jwt-extended", db.url, rejects);
      assert.equal(run.code, 1);
      assert.deepEqual(run.counts, { imported: 3, updated: 0, skipped: 0, rejected: 1, roles: 3 });
      assert.equal(run.rejects.length, 1);
      assert.match(run.rejects[0]!.reason, /username/);
      assert.equal(JSON.parse(run.rejects[0]!.input).user_id, ZHOU_UPPER.id);
      assert.equal(await userCount(gh), before + 3);
      assert.equal((await storedUser(gh, ZHOU_UPPER.username))?.id, undefined, "never merged into another account");
    });

    it("logs in with the original password and answers with the original user_id, roles and de-duplicated permissions", async () => {
      const response = await login(ZHOU.username, ZHOU.password);
      assert.equal(response.body.code, 0, response.text);
      const { payload, access_token: access } = response.body.data;
      assert.deepEqual(
        { ...payload.user, last_login: undefined, updated_at: undefined },
        {
          user_id: ZHOU.id,
          username: ZHOU.username,
          email: "licheng@example.com",
          phone: "13800138000",
          faceInfo: '{"vector":[0.12,0.5]}',
          status: true,
          created_at: "2025-04-08 13:14:30",
          last_login: undefined,
          updated_at: undefined,
        },
      );
      assert.equal(jwtPayload(access).sub, ZHOU.id, "the token's sub is the Flask user_id");
      const roles = payload.role.map((role: { role_name: string; description: string }) => [role.role_name, role.description]);
      assert.deepEqual(roles.sort(), [
        ["ADMIN", "管理员"],
        ["ENGINEER", "工程师"],
        ["USER", "普通用户"],
      ]);
      const permissions = payload.permissions.map((p: { permission_name: string; description: string | null }) => [
        p.permission_name,
        p.description,
      ]);
      // The role ADMIN also grants Gatehouse's own admin permission (docs/admin-api.md).
      assert.deepEqual(permissions.sort(), [
        ["deploy", "部署"],
        ["gatehouse:admin", "Administers Gatehouse through the admin API"],
        ["read_logs", null],
        ["test_permission", "测试权限"],
      ]);
    });

    it("the first login replaces werkzeug's scrypt and pbkdf2 hashes by Argon2id, audited with the old scheme", async () => {
      const loginSucceeds = (who: { username: string; password: string }) => async () => {
        const response = await login(who.username, who.password);
        assert.equal(response.body.code, 0, response.text);
      };
      // The user above logged in once already.
      assert.match((await storedUser(gh, ZHOU.username))?.password_hash ?? "", ARGON2ID);
      assert.deepEqual(await rehashedSchemes(gh, ZHOU.id), ["scrypt"]);
      await assertRehashedOnce(gh, HAN.username, "pbkdf2-sha256", loginSucceeds(HAN));
      const han = await login(HAN.username, HAN.password);
      assert.equal(han.body.data.payload.user.user_id, HAN.id);
      assert.deepEqual(
        han.body.data.payload.permissions.map((p: { permission_name: string }) => p.permission_name),
        ["test_permission"],
      );
    });

    it("refuses a wrong password, the disabled user, and the rejected duplicate's password", async () => {
      for (const [username, password] of [
        [ZHOU.username, `${ZHOU.password}!`],
        [DISABLED.username, DISABLED.password],
        [ZHOU_UPPER.username, ZHOU_UPPER.password],
      ] as const) {
        const response = await login(username, password);
        assert.notEqual(response.body.code, 0, `${username}: ${response.text}`);
        assert.ok(response.status < 500, response.text);
      }
      const disabled = await storedUser(gh, DISABLED.username);
      assert.equal(disabled?.status, "disabled");
      assert.match(disabled?.password_hash ?? "", /^pbkdf2:sha256:\d+\$/, "a refused login rehashes nothing");
      assert.deepEqual(await rehashedSchemes(gh, DISABLED.id), []);
    });

    it("a re-run changes nothing: the same rejection (exit 1), every other user skipped", async () => {
      const hashBefore = (await storedUser(gh, ZHOU.username))?.password_hash;
      const users = await userCount(gh);
      const run = await importFrom(gh, "jwt-extended", db.url, rejects);
      assert.equal(run.code, 1);
      assert.deepEqual(run.counts, { imported: 0, updated: 0, skipped: 3, rejected: 1, roles: 3 });
      assert.equal(await userCount(gh), users);
      assert.equal((await storedUser(gh, ZHOU.username))?.password_hash, hashBefore, "the Argon2id hash stays");
      assert.equal((await login(ZHOU.username, ZHOU.password)).body.code, 0);
    });
  },
);

// The Lumen app's users: two with htpasswd's $2y$ (as PHP's password_hash writes it), and a
// duplicate of the first by case, with a later id.
const ALICE = { id: 13, uid: "alice", email: "alice@example.com", password: "Lumen password 13" };
const ALICE_UPPER = { id: 14, uid: "Alice", email: "alice2@example.com", password: "another alice 14" };
const WANG = { id: 20, uid: "王小明", email: null, password: "王小明的密码 20" };
const LUMEN_USERS = [ALICE, ALICE_UPPER, WANG];
const lumenHashes = LUMEN_USERS.map((user) => htpasswdBcrypt(user.password, 10));

describe(
  "import --from jwt-auth, then log in through /login",
  { skip: mariadbSkip || toolSkip(lumenHashes[0], "HTPASSWD") },
  () => {
    let gh: TestServer;
    let db: MysqlDatabase;
    const rejects = join(dir, "jwt-auth-rejects.jsonl");
    const login = (uid: string, password: string) => gh.post("/login", { json: { uid, password } });
    before(async () => {
      db = await createMysqlDatabase(LUMEN_SCHEMA);
      for (const [index, user] of LUMEN_USERS.entries()) {
        assert.match(lumenHashes[index] ?? "", /^\$2y\$10\$/);
        await db.connection.query("INSERT INTO users VALUES (?, ?, ?, ?, NULL, '2019-07-28 22:14:19', NULL)", [
          user.id,
          user.uid,
          user.email,
          lumenHashes[index],
        ]);
      }
      gh = await startServer();
    });
    after(async () => {
      await gh?.close();
      await db?.drop();
    });

    it("imports the users, rejecting the duplicate by case (exit 1)", async () => {
      const run = await importFrom(gh, "jwt-auth", db.url, rejects);
      assert.equal(run.code, 1);
      assert.deepEqual(run.counts, { imported: 2, updated: 0, skipped: 0, rejected: 1, roles: 0 });
      assert.match(run.rejects[0]?.reason ?? "", /username/);
      assert.equal(JSON.parse(run.rejects[0]!.input).id, ALICE_UPPER.id);
      const alice = await storedUser(gh, ALICE.uid);
      assert.equal(alice?.seq, ALICE.id);
      assert.equal(alice?.password_hash, lumenHashes[0], "the $2y$ hash is stored as Lumen wrote it");
    });

    it("logs in with the original password; the token's sub is the Lumen id and /me answers the uid", async () => {
      for (const user of [ALICE, WANG]) {
        const response = await login(user.uid, user.password);
        assert.equal(response.body.success, true, response.text);
        const token = response.body.data.access_token;
        assert.equal(response.body.data.token_type, "bearer");
        const claims = jwtPayload(token);
        assert.equal(claims.sub, user.id, "sub is the Lumen id, a number as tymon/jwt-auth wrote it");
        assert.equal(claims.prv, PRV);
        const me = await gh.request("GET", "/me", { headers: { authorization: `Bearer ${token}` } });
        assert.deepEqual(me.body, { success: true, message: "Success.", data: { uid: user.uid, email: user.email } });
      }
      const wrong = await login(ALICE.uid, ALICE_UPPER.password);
      assert.notEqual(wrong.body.success, true, "the rejected duplicate's password opens no account");
      assert.ok(wrong.status < 500, wrong.text);
    });

    it("the first login replaced the $2y$ hash by Argon2id, audited as bcrypt", async () => {
      for (const user of [ALICE, WANG]) {
        const stored = await storedUser(gh, user.uid);
        assert.match(stored?.password_hash ?? "", ARGON2ID);
        assert.deepEqual(await rehashedSchemes(gh, stored!.id), ["bcrypt"]);
      }
      assert.equal((await login(ALICE.uid, ALICE.password)).body.success, true, "the Argon2id hash verifies");
    });

    it("a registration after the import gets a number past every Lumen id; a re-run changes nothing", async () => {
      const registered = await gh.post("/register", {
        json: { uid: "newcomer", email: "new@example.com", password: "a new user's passphrase" },
      });
      assert.equal(registered.body.success, true, registered.text);
      assert.ok(Number(jwtPayload(registered.body.data.access_token).sub) > WANG.id);
      const users = await userCount(gh);
      const run = await importFrom(gh, "jwt-auth", db.url, rejects);
      assert.equal(run.code, 1);
      assert.deepEqual(run.counts, { imported: 0, updated: 0, skipped: 2, rejected: 1, roles: 0 });
      assert.equal(await userCount(gh), users);
      assert.equal((await login(ALICE.uid, ALICE.password)).body.success, true);
    });
  },
);
