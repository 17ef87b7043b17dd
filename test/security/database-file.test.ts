// test-databases: sqlite
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { startServer, type TestServer } from "../helpers/server.js";

// security S72: the SQLite file holds the signing keys and the secret-hashing key, so it
// and its WAL and shared-memory files are readable by their owner only. SQLite-only by nature;
// on the PostgreSQL pass the database is a server's, and the test says so.
describe("the SQLite database file is private to its owner (security S72)", () => {
  let gh: TestServer;

  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("database, WAL and shared-memory files have mode 0600", async () => {
    assert.ok(gh.databaseUrl.startsWith("sqlite:"), "this file is declared for SQLite only");
    // A write, so that the WAL file certainly exists.
    assert.equal(
      (await gh.post("/api/auth/register", { json: { username: "file-mode", password: "correct horse battery" } })).status,
      200,
    );
    const path = gh.databaseUrl.slice("sqlite:".length);
    const files = [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
    assert.ok(files.length >= 2, `expected the database and its WAL, found ${files.join(", ")}`);
    for (const file of files) assert.equal(statSync(file).mode & 0o777, 0o600, file);
  });
});
