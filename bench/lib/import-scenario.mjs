// The import scenario: `gatehouse import` of generated users that carry password hashes, into
// SQLite and (with --db) PostgreSQL, reported in rows per second.
//
//   node bench/lib/import-scenario.mjs                     100,000 users into SQLite
//   node bench/lib/import-scenario.mjs --db postgres://postgres@127.0.0.1:5432/postgres
//                                                          and into a throwaway PostgreSQL database
//   other options: --users N, --hash-formats f1,f2 (from HASH_FORMATS, used in turn)
//
// Runs the built CLI (dist/, `npm run build`) as its own process, as an operator would.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createThrowawayDatabase, dropThrowawayDatabase } from "../../scripts/lib/harness.mjs";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));

const b64 = (bytes) => randomBytes(bytes).toString("base64").replace(/=+$/, "");
const bcryptText = (length) => randomBytes(length).toString("base64").replace(/[+=]/g, ".").replace(/\//g, "/").slice(0, length);

/**
 * Well-formed stored hashes of each format the originals wrote (random salt and digest: no
 * password matches them; the import checks their format and cost, not a password).
 */
export const HASH_FORMATS = {
  argon2id: () => `$argon2id$v=19$m=19456,t=2,p=1$${b64(16)}$${b64(32)}`,
  "werkzeug-scrypt": () => `scrypt:32768:8:1$${bcryptText(16).replace(/[./]/g, "x")}$${randomBytes(64).toString("hex")}`,
  "werkzeug-pbkdf2": () => `pbkdf2:sha256:600000$${bcryptText(16).replace(/[./]/g, "x")}$${randomBytes(32).toString("hex")}`,
  "bcrypt-2y": () => `$2y$10$${bcryptText(53)}`,
  "bcrypt-2a": () => `$2a$10$${bcryptText(53)}`,
};

/**
 * Writes `count` user lines of Gatehouse's import format to `path`, streaming, each with a hash
 * of the given formats in turn (and one role line first).
 * @param {string} path
 * @param {number} count
 * @param {{ hashFormats?: string[], prefix?: string }} [options]
 */
export async function writeImportFile(path, count, { hashFormats = ["argon2id"], prefix = "imp" } = {}) {
  const makers = hashFormats.map((name) => {
    const maker = HASH_FORMATS[name];
    if (!maker) throw new Error(`unknown hash format ${name}; known: ${Object.keys(HASH_FORMATS).join(", ")}`);
    return maker;
  });
  const out = createWriteStream(path);
  const write = async (line) => {
    if (!out.write(`${line}\n`)) await once(out, "drain");
  };
  await write(JSON.stringify({ type: "role", name: "IMPORTED", permissions: [{ name: "imported_read" }] }));
  for (let n = 1; n <= count; n++) {
    const username = `${prefix}${String(n).padStart(7, "0")}`;
    await write(
      JSON.stringify({
        seq: n,
        username,
        email: `${username}@example.com`,
        password_hash: makers[n % makers.length](),
        roles: ["USER", "IMPORTED"],
        created_at: 1_600_000_000_000 + n,
      }),
    );
  }
  out.end();
  await once(out, "finish");
}

/** Runs `gatehouse import FILE` against `databaseUrl`; resolves with its exit status and output. */
function runImport(databaseUrl, file) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, "import", file],
      { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Imports the file into a fresh database and measures it. The database is created (migrated)
 * first, so the figure is the import's alone.
 * @returns {Promise<{ database: string, users: number, seconds: number, rowsPerSecond: number }>}
 */
export async function measureImport(databaseUrl, file, users, label) {
  const empty = join(tmpdir(), `gatehouse-empty-${process.pid}.jsonl`);
  createWriteStream(empty).end();
  await runImport(databaseUrl, empty);
  rmSync(empty, { force: true });
  const t0 = performance.now();
  const result = await runImport(databaseUrl, file);
  const seconds = (performance.now() - t0) / 1000;
  if (result.code !== 0)
    throw new Error(`import into ${label} failed (${result.code}): ${result.stderr.trim().split("\n").at(-1)}`);
  return { database: label, users, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(users / seconds) };
}

/**
 * The scenario: one generated file, imported into SQLite and, with `postgresAdminUrl`, into a
 * throwaway PostgreSQL database (dropped afterwards).
 * @param {{ users?: number, hashFormats?: string[], postgresAdminUrl?: string | null, log?: (line: string) => void }} options
 */
export async function importScenario({
  users = 100_000,
  hashFormats = ["argon2id"],
  postgresAdminUrl = null,
  log = () => {},
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-bench-import-"));
  try {
    const file = join(dir, "users.jsonl");
    await writeImportFile(file, users, { hashFormats });
    log(`generated ${users} users (${hashFormats.join(", ")}), ${(statSync(file).size / 1e6).toFixed(1)} MB`);
    const results = [await measureImport(`sqlite:${join(dir, "import.db")}`, file, users, "SQLite")];
    log(`SQLite: ${results[0].rowsPerSecond} rows/s`);
    if (postgresAdminUrl) {
      const { name, url } = await createThrowawayDatabase(postgresAdminUrl, "gatehouse_bench_import");
      try {
        results.push(await measureImport(url, file, users, "PostgreSQL"));
        log(`PostgreSQL: ${results[1].rowsPerSecond} rows/s`);
      } finally {
        await dropThrowawayDatabase(postgresAdminUrl, name);
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { users: { type: "string" }, db: { type: "string" }, "hash-formats": { type: "string" } },
  });
  const results = await importScenario({
    users: values.users ? Number(values.users) : undefined,
    hashFormats: values["hash-formats"]?.split(","),
    postgresAdminUrl: values.db ?? null,
    log: (line) => process.stderr.write(`[import] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}
