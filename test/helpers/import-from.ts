import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runCli } from "./cli.js";
import { queryDatabase } from "./database.js";
import type { TestServer } from "./server.js";

/** What the tests of `gatehouse import --from` check after each run, on Gatehouse's own database. */

export type ImportCounts = { imported: number; updated: number; skipped: number; rejected: number; roles: number };
export type ImportRun = { code: number; counts: ImportCounts; rejects: { line: number; reason: string; input: string }[] };

const SUMMARY = /^imported (\d+), updated (\d+), skipped (\d+), rejected (\d+), roles (\d+) in [\d.]+ s$/m;

/**
 * Runs the built CLI's `gatehouse import --from NAME --source SOURCE --rejects FILE` against the
 * test server's database; returns its exit status, its summary's counts and the rejected rows.
 */
export async function importFrom(gh: TestServer, name: string, source: string, rejectsFile: string): Promise<ImportRun> {
  const result = await runCli(["import", "--from", name, "--source", source, "--rejects", rejectsFile], gh.env);
  const match = SUMMARY.exec(result.stdout);
  assert.ok(match, `no summary (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  const [imported, updated, skipped, rejected, roles] = match.slice(1).map(Number) as number[];
  const text = readFileSync(rejectsFile, "utf8");
  const rejects = text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { code: result.code, counts: { imported, updated, skipped, rejected, roles } as ImportCounts, rejects };
}

export type StoredUser = { id: string; seq: number; username: string; status: string; password_hash: string };

/** The stored user of that exact username, or undefined. */
export async function storedUser(gh: TestServer, username: string): Promise<StoredUser | undefined> {
  const [row] = await queryDatabase<StoredUser>(
    gh.databaseUrl,
    "select id, seq, username, status, password_hash from users where username = ?",
    [username],
  );
  return row && { ...row, seq: Number(row.seq) };
}

/** How many users the database holds. */
export async function userCount(gh: TestServer): Promise<number> {
  const [row] = await queryDatabase<{ n: number | string }>(gh.databaseUrl, "select count(*) as n from users");
  return Number(row?.n);
}

/** The schemes the `password_rehashed` audit records of the user name, oldest first. */
export async function rehashedSchemes(gh: TestServer, userId: string): Promise<string[]> {
  const rows = await queryDatabase<{ detail: string }>(
    gh.databaseUrl,
    "select detail from audit_events where event = 'password_rehashed' and user_id = ? order by id",
    [userId],
  );
  return rows.map((row) => row.detail);
}

/** The payload of a JWT, decoded without checking it. */
export const jwtPayload = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));

export const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=1\$/;

/**
 * A user's first login with an imported legacy hash replaces it by Argon2id and records one
 * `password_rehashed` naming the old scheme; a second login changes nothing more.
 */
export async function assertRehashedOnce(gh: TestServer, username: string, scheme: string, login: () => Promise<void>) {
  const user = await storedUser(gh, username);
  assert.ok(user, `${username} was imported`);
  assert.doesNotMatch(user.password_hash, ARGON2ID, `${username} still holds the imported hash`);
  await login();
  const after = await storedUser(gh, username);
  assert.match(after?.password_hash ?? "", ARGON2ID, `${username}'s hash after the first login`);
  assert.deepEqual(await rehashedSchemes(gh, user.id), [scheme]);
  await login();
  assert.equal((await storedUser(gh, username))?.password_hash, after?.password_hash, "not replaced again");
  assert.deepEqual(await rehashedSchemes(gh, user.id), [scheme]);
}
