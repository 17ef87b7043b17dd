// test-databases: each
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { queryDatabase } from "../helpers/database.js";
import { startServer, type TestServer } from "../helpers/server.js";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));

/** A well-formed Argon2id hash of no known password: for rows that only need a valid hash. */
/** A well-formed Argon2id hash (PHC: unpadded base64) that no password matches. */
const someHash = (n: number) =>
  `$argon2id$v=19$m=19456,t=2,p=1$${Buffer.from(`salt-${n}-xxxxxx`).toString("base64").replace(/=+$/, "")}$${"A".repeat(43)}`;

// `gatehouse import` is killed mid-way, on a database a server is using, and run again.
describe("gatehouse import under kill -9", () => {
  let gh: TestServer;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const importFile = (args: string[]) => runCli(["import", ...args], gh.env);

  before(async () => {
    gh = await startServer();
    dir = mkdtempSync(join(tmpdir(), "gatehouse-import-kill-"));
  });
  after(async () => {
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("killed with SIGKILL after its first progress line, then re-run, leaves every user exactly once", async () => {
    const total = 50_000;
    const rows = Array.from({ length: total }, (_, n) =>
      JSON.stringify({ username: `bulk${n}`, seq: 100_000 + n, password_hash: someHash(n) }),
    );
    const path = file("bulk.jsonl", `${rows.join("\n")}\n`);
    const child = spawn(process.execPath, [BIN, "import", path], { env: { ...process.env, ...gh.env, LOG_LEVEL: "warn" } });
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += String(chunk);
        if (/^import: \d+ rows/m.test(stderr)) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.once("exit", () => reject(new Error(`the import ended before its first progress line: ${stderr}`)));
    });
    await new Promise((resolve) => child.once("exit", resolve));
    const partial = (
      await queryDatabase<{ n: number }>(gh.databaseUrl, "select count(*) as n from users where username like 'bulk%'")
    )[0];
    assert.ok(Number(partial?.n) < total, "killed before the end");
    const rerun = await importFile([path]);
    assert.equal(rerun.code, 0, rerun.stderr);
    const [summary] = await queryDatabase<{ n: number; distinct_names: number }>(
      gh.databaseUrl,
      "select count(*) as n, count(distinct username_canonical) as distinct_names from users where username like 'bulk%'",
    );
    assert.equal(Number(summary?.n), total);
    assert.equal(Number(summary?.distinct_names), total);
    assert.match(
      rerun.stdout,
      new RegExp(`imported ${total - Number(partial?.n)}, updated 0, skipped ${Number(partial?.n)}, rejected 0`),
    );
  });
});
