// test-databases: one
// The readers of the originals' file stores: the bookstore's SQLite be.db (terminal) and a
// mongoexport of the Spring server's user collection (spring-oauth), on real files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { importSource as springSource } from "../../src/dialects/spring-oauth/import-source.js";
import { importSource as terminalSource } from "../../src/dialects/terminal/import-source.js";
import type { ImportSourceReader } from "../../src/dialects/types.js";
import {
  BOOKSTORE_SCHEMA,
  type BookstoreRow,
  outcome,
  readAll,
  writeBookstore,
  writeMongoexport,
} from "../helpers/original-stores.js";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-sources-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function openFailure(reader: ImportSourceReader, source: string): Promise<string> {
  return reader.open(source).then(
    () => assert.fail(`opened ${source}`),
    (error: Error) => error.message,
  );
}

/**
 * Reads every record, keeping none, and returns how far the heap grew above where it started:
 * a reader that loaded the whole source would grow by about its size.
 */
async function heapGrowthWhileReading(reader: ImportSourceReader, source: string): Promise<{ count: number; growth: number }> {
  const opened = await reader.open(source);
  const start = process.memoryUsage().heapUsed;
  let peak = start;
  let count = 0;
  for await (const record of opened.records()) {
    count += "value" in record ? 1 : 0;
    if (count % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  await opened.close();
  return { count, growth: peak - start };
}

const bookstore = (name: string, rows: BookstoreRow[]) => writeBookstore(join(dir, name), rows);

describe("terminal reads the bookstore's SQLite be.db", () => {
  it("yields each user with the plaintext password to hash, ignoring token, terminal and balance", async () => {
    const path = bookstore("be.db", [
      ["carol", "correct horse battery", 100, "eyJold.token.value", "terminal_1"],
      ["Carol", "another pass 2", 0, null, null],
      ["读者一号", "密码 很长 很长", 5, null, null],
      // SQLite lets a TEXT primary key be NULL: a row no account can be made of.
      [null, "orphan password", 0, null, null],
    ]);
    const records = await readAll(terminalSource, `sqlite:${path}`);
    assert.deepEqual(records.map(outcome), [
      { type: "user", username: "carol", password: "correct horse battery" },
      { type: "user", username: "Carol", password: "another pass 2" },
      { type: "user", username: "读者一号", password: "密码 很长 很长" },
      { error: "the user has no user_id" },
    ]);
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 2, 3, 4],
    );
    assert.deepEqual(JSON.parse(records[0]!.input), { user_id: "carol", password: "correct horse battery" });
    // sqlite:///absolute/path is the same file.
    assert.equal((await readAll(terminalSource, `sqlite://${path}`)).length, 4);
  });

  it("fails in open() with one clear line for a source it cannot read", async () => {
    const notDatabase = join(dir, "notes.txt");
    writeFileSync(notDatabase, "this is not a database, just some text that is long enough ".repeat(20));
    const other = join(dir, "other.db");
    new Database(other).exec("CREATE TABLE users (id INTEGER)").close();
    assert.match(await openFailure(terminalSource, "/path/be.db"), /--source must be sqlite:\/path\/to\/be\.db/);
    assert.match(
      await openFailure(terminalSource, `sqlite:${join(dir, "missing.db")}`),
      /cannot read the bookstore database .*missing\.db/,
    );
    assert.match(await openFailure(terminalSource, `sqlite:${notDatabase}`), /not a database/);
    assert.match(await openFailure(terminalSource, `sqlite:${other}`), /no such table: user/);
  });

  it("streams a large table: 20,000 users of 4 KB each without holding them", async () => {
    const path = join(dir, "large.db");
    const db = new Database(path);
    db.exec(BOOKSTORE_SCHEMA);
    const insert = db.prepare("INSERT INTO user VALUES (?, ?, 0, NULL, NULL)");
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(`user${i}`, `${i}:${"p".repeat(4_000)}`);
    })();
    db.close();
    const { count, growth } = await heapGrowthWhileReading(terminalSource, `sqlite:${path}`);
    assert.equal(count, 20_000);
    assert.ok(growth < 40e6, `the heap grew by ${Math.round(growth / 1e6)} MB for 80 MB of rows`);
  });
});

const BCRYPT_2A = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
const SPRING_CLASS = `"_class":"com.watup.auth.entity.User"`;

describe("spring-oauth reads a mongoexport of the user collection", () => {
  const expected = [
    {
      type: "user",
      username: "leon",
      display_name: "dastur",
      email: "leondastur@163.com",
      email_verified: true,
      attributes: { avatarUrl: "https://cdn.example.com/a/leon.png" },
      created_at: "2020-06-10T08:00:00.000Z",
      password_hash: BCRYPT_2A,
    },
    { type: "user", username: "Leon", display_name: "达斯特", created_at: "1969-12-31T23:59:59.000Z", password_hash: BCRYPT_2A },
  ];

  const write = (name: string, lines: string[]) => writeMongoexport(join(dir, name), lines);

  it("reads relaxed Extended JSON (mongoexport's default), line by line", async () => {
    const path = write("relaxed.json", [
      `{"_id":"leon","username":"dastur","password":"${BCRYPT_2A}","email":"leondastur@163.com","avatarUrl":"https://cdn.example.com/a/leon.png","createdDate":{"$date":"2020-06-10T08:00:00Z"},${SPRING_CLASS}}`,
      "",
      // Relaxed mode writes a date before 1970 in the canonical form.
      `{"_id":"Leon","username":"达斯特","password":"${BCRYPT_2A}","createdDate":{"$date":{"$numberLong":"-1000"}}}`,
      `{"_id":{"$oid":"5ee0a1b2c3d4e5f601234567"},"username":"x"}`,
      `{"_id":"broken", "username": `,
      `["not", "a", "document"]`,
      `{"_id":"when","createdDate":"yesterday"}`,
    ]);
    const records = await readAll(springSource, path);
    const jsonError = records[3] && "error" in records[3] ? records[3].error : "";
    assert.match(jsonError, /^not valid JSON: /);
    assert.deepEqual(records.map(outcome), [
      ...expected,
      { error: "_id is not a string (the user's login id)" },
      { error: jsonError },
      { error: "not a JSON object (one exported document a line)" },
      { error: "createdDate is not an Extended JSON date" },
    ]);
    // The file's own line numbers, blank line included.
    assert.deepEqual(
      records.map((record) => record.line),
      [1, 3, 4, 5, 6, 7],
    );
    assert.equal(records[3]!.input, `{"_id":"broken", "username": `);
  });

  it("reads canonical Extended JSON (--jsonFormat=canonical) to the same records", async () => {
    const path = write("canonical.json", [
      `{"_id":"leon","username":"dastur","password":"${BCRYPT_2A}","email":"leondastur@163.com","avatarUrl":"https://cdn.example.com/a/leon.png","createdDate":{"$date":{"$numberLong":"1591776000000"}},${SPRING_CLASS}}`,
      `{"_id":"Leon","username":"达斯特","password":"${BCRYPT_2A}","createdDate":{"$date":{"$numberLong":"-1000"}}}`,
    ]);
    assert.deepEqual((await readAll(springSource, path)).map(outcome), expected);
  });

  it("fails in open() with one clear line for a file it cannot read", async () => {
    const array = write("array.json", [`[{"_id":"leon"}]`]);
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    assert.match(
      await openFailure(springSource, join(dir, "missing.json")),
      /cannot read the mongoexport file .*missing\.json: no such file/,
    );
    assert.match(await openFailure(springSource, folder), /not a regular file/);
    assert.match(await openFailure(springSource, array), /--jsonArray export/);
  });

  it("streams a large export: 20,000 documents of 4 KB each without holding them", async () => {
    const path = join(dir, "large.json");
    const padding = "a".repeat(4_000);
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `{"_id":"user${i}","username":"${padding}","password":"${BCRYPT_2A}"}`,
    );
    writeFileSync(path, lines.join("\n"));
    const { count, growth } = await heapGrowthWhileReading(springSource, path);
    assert.equal(count, 20_000);
    assert.ok(growth < 40e6, `the heap grew by ${Math.round(growth / 1e6)} MB for 80 MB of lines`);
  });
});
