// test-databases: one
// The readers of the originals' MySQL stores (jwt-extended, jwt-auth), against a real MariaDB
// database per test holding the original's schema. They do not touch Gatehouse's database.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { importSource as jwtAuthSource } from "../../src/dialects/jwt-auth/import-source.js";
import { importSource as jwtExtendedSource } from "../../src/dialects/jwt-extended/import-source.js";
import { createMysqlDatabase, MYSQL_ADMIN_URL, type MysqlDatabase } from "../helpers/mariadb.js";
import { FLASK_SCHEMA, LUMEN_SCHEMA, outcome, readAll, skipWithoutMariadb } from "../helpers/original-stores.js";

const skip = await skipWithoutMariadb("the import source tests");

const SCRYPT = "scrypt:32768:8:1$k2XbQd1ZpLrT9wYe$3f8a0c2b9e";
const PBKDF2 = "pbkdf2:sha256:600000$Xy12AbCd$9a8b7c6d5e";
const ZHOU = "ec651a78-47c7-4c87-af5e-a1628641ec98";
const ZHOU_UPPER = "1b0e3c1a-0000-4000-8000-000000000001";
const ZHOU_HAN = "2c9d4e5f-0000-4000-8000-000000000002";

const FLASK_ROWS = `
  INSERT INTO roles VALUES (1, 'ADMIN', '管理员'), (2, 'USER', '普通用户'), (3, 'ENGINEER', '工程师');
  INSERT INTO permissions VALUES (1, 'test_permission', '测试权限'), (2, 'deploy', '部署'), (3, 'read_logs', NULL);
  INSERT INTO role_permissions VALUES (2, 1), (3, 1), (3, 2), (3, 2), (3, 3);
  INSERT INTO users VALUES
    ('${ZHOU}', 'licheng.zhou', '${SCRYPT}', NULL, NULL, NULL, 1, '2025-04-08 13:14:37', '2025-04-08 13:14:30', '2025-04-08 13:14:30'),
    ('${ZHOU_UPPER}', 'Licheng.Zhou', '${PBKDF2}', 'licheng@example.com', NULL, NULL, 0, NULL, '2025-04-09 08:00:00', '2025-04-10 09:30:00'),
    ('${ZHOU_HAN}', '周立成', '${SCRYPT}', 'zhou@例子.cn', '13800138000', '{"vector":[0.12,0.5]}', 1, NULL, '2025-05-01 00:00:01', '2025-05-01 00:00:01');
  INSERT INTO user_roles VALUES ('${ZHOU}', 2), ('${ZHOU_HAN}', 3), ('${ZHOU_HAN}', 2)`;

describe("jwt-extended reads the Flask app's MySQL database", { skip }, () => {
  let db: MysqlDatabase;
  before(async () => {
    db = await createMysqlDatabase(`${FLASK_SCHEMA}; ${FLASK_ROWS}`);
  });
  after(() => db?.drop());

  it("yields the roles with de-duplicated permissions first, then every user as stored", async () => {
    const records = await readAll(jwtExtendedSource, db.url);
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(records.map(outcome), [
      { type: "role", name: "ADMIN", description: "管理员", permissions: [] },
      {
        type: "role",
        name: "USER",
        description: "普通用户",
        permissions: [{ name: "test_permission", description: "测试权限" }],
      },
      {
        type: "role",
        name: "ENGINEER",
        description: "工程师",
        permissions: [
          { name: "test_permission", description: "测试权限" },
          { name: "deploy", description: "部署" },
          { name: "read_logs" },
        ],
      },
      // The duplicate by case is passed on: the import engine refuses it with its reason.
      {
        type: "user",
        id: ZHOU_UPPER,
        username: "Licheng.Zhou",
        email: "licheng@example.com",
        status: "disabled",
        created_at: "2025-04-09T08:00:00Z",
        roles: [],
        password_hash: PBKDF2,
      },
      {
        type: "user",
        id: ZHOU_HAN,
        username: "周立成",
        email: "zhou@例子.cn",
        phone: "13800138000",
        attributes: { faceInfo: '{"vector":[0.12,0.5]}' },
        status: "active",
        created_at: "2025-05-01T00:00:01Z",
        roles: ["USER", "ENGINEER"],
        password_hash: SCRYPT,
      },
      {
        type: "user",
        id: ZHOU,
        username: "licheng.zhou",
        status: "active",
        created_at: "2025-04-08T13:14:30Z",
        last_login_at: "2025-04-08T13:14:37Z",
        roles: ["USER"],
        password_hash: SCRYPT,
      },
    ]);
    const original = JSON.parse(records[5]!.input);
    assert.equal(original.user_id, ZHOU);
    assert.equal(original.username, "licheng.zhou");
  });

  it("turns a row it cannot translate into a record with a reason, and goes on", async () => {
    await db.connection.query(
      "INSERT INTO users VALUES ('ffffffff-0000-4000-8000-000000000009', '', 'x', NULL, NULL, NULL, 1, NULL, NOW(), NOW())",
    );
    const records = await readAll(jwtExtendedSource, db.url);
    assert.deepEqual(outcome(records.at(-1)!), { error: "the user has no username" });
    assert.equal(records.at(-1)!.line, 7);
    await db.connection.query("DELETE FROM users WHERE username = ''");
  });
});

const BCRYPT_2Y = "$2y$10$abcdefghijklmnopqrstuu5Zp0NnHJjJrUZ4ggD8kmU5j1DvQ5u6";

describe("jwt-auth reads the Lumen app's MySQL database", { skip }, () => {
  let db: MysqlDatabase;
  before(async () => {
    db = await createMysqlDatabase(LUMEN_SCHEMA);
    // Written in the app's zone (+08:00); a TIMESTAMP is stored in UTC and must come out in UTC.
    await db.connection.query(`SET time_zone = '+08:00';
      INSERT INTO users VALUES
        (13, 'alice', 'alice@example.com', '${BCRYPT_2Y}', 'remember-me', '2019-07-28 22:14:19', '2019-07-29 10:00:00'),
        (14, 'Alice', 'alice2@example.com', '${BCRYPT_2Y}', NULL, '2019-07-29 09:00:00', NULL),
        (20, '王小明', NULL, '${BCRYPT_2Y}', NULL, NULL, NULL)`);
  });
  after(() => db?.drop());

  it("keeps the Lumen id as seq (the tokens' sub) and the uid as the username", async () => {
    const records = await readAll(jwtAuthSource, db.url);
    assert.deepEqual(records.map(outcome), [
      {
        type: "user",
        seq: 13,
        username: "alice",
        email: "alice@example.com",
        created_at: "2019-07-28T14:14:19Z",
        password_hash: BCRYPT_2Y,
      },
      {
        type: "user",
        seq: 14,
        username: "Alice",
        email: "alice2@example.com",
        created_at: "2019-07-29T01:00:00Z",
        password_hash: BCRYPT_2Y,
      },
      { type: "user", seq: 20, username: "王小明", password_hash: BCRYPT_2Y },
    ]);
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 2, 3],
    );
    assert.equal(JSON.parse(records[2]!.input).uid, "王小明");
    assert.ok(!records[0]!.input.includes("remember-me"), "only the columns it maps are read");
  });
});

describe("a MySQL source that cannot be read fails in open() with one clear line", { skip }, () => {
  let empty: MysqlDatabase;
  before(async () => {
    empty = await createMysqlDatabase("CREATE TABLE unrelated (id INT)");
  });
  after(() => empty?.drop());

  const cases: [string, () => string, RegExp][] = [
    ["a URL of another kind", () => "postgres://127.0.0.1/db", /--source must be mysql:\/\/user:pass@host:3306\/db/],
    ["no database in the URL", () => "mysql://root@127.0.0.1:3306", /--source must be mysql:/],
    ["a closed port", () => "mysql://root:s3cret-pw@127.0.0.1:1/db", /at mysql:\/\/127\.0\.0\.1:1\/db: connection refused/],
    ["an unknown database", () => `${MYSQL_ADMIN_URL}/gatehouse_no_such_db`, /no such database/],
    [
      "wrong credentials",
      () => "mysql://nobody-here:s3cret-pw@127.0.0.1:3306/db",
      /access denied for the user and password given/,
    ],
    ["a database without the original's tables", () => empty.url, /\.(users|roles)' doesn't exist/],
  ];
  for (const [name, source, message] of cases) {
    for (const reader of [jwtExtendedSource, jwtAuthSource]) {
      it(`${name}: ${reader === jwtAuthSource ? "jwt-auth" : "jwt-extended"}`, async () => {
        const error = await reader.open(source()).then(
          () => assert.fail("opened"),
          (failure: Error) => failure,
        );
        assert.match(error.message, message);
        assert.ok(!/s3cret-pw|nobody-here/.test(error.message), `credentials in: ${error.message}`);
        assert.ok(!error.message.includes("\n"), "one line");
      });
    }
  }
});

describe("a large users table streams", { skip }, () => {
  const USERS = 20_000;
  let db: MysqlDatabase;
  before(async () => {
    db = await createMysqlDatabase(FLASK_SCHEMA);
    const face = "f".repeat(1_000);
    for (let start = 0; start < USERS; start += 1_000) {
      const rows = Array.from({ length: 1_000 }, (_, i) => {
        const n = String(start + i).padStart(8, "0");
        return `('00000000-0000-4000-8000-${n}0000', 'user${n}', '${SCRYPT}', NULL, NULL, '${face}', 1, NULL, NOW(), NOW())`;
      });
      await db.connection.query(`INSERT INTO users VALUES ${rows.join(",")}`);
    }
  });
  after(() => db?.drop());

  it("rows arrive while the query is still sending, and all of them do", async () => {
    const running = async () => {
      const [rows] = await db.connection.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE '%FROM users u%' AND INFO NOT LIKE '%LIMIT 0' AND ID <> CONNECTION_ID()",
        [db.name],
      );
      return Number((rows as { n: number }[])[0]!.n);
    };
    const opened = await jwtExtendedSource.open(db.url);
    let count = 0;
    let runningAtFirst = -1;
    for await (const record of opened.records()) {
      count += 1;
      assert.ok("value" in record);
      // ~20 MB of rows: had they been loaded whole, the query would be over by now.
      if (count === 1) runningAtFirst = await running();
    }
    await opened.close();
    assert.equal(runningAtFirst, 1, "the users query was not running when the first row arrived");
    assert.equal(count, USERS);
    assert.equal(await running(), 0);
  });
});
