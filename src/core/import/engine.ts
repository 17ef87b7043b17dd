import { randomUUID } from "node:crypto";
import { audit, type CoreContext } from "../context.js";
import { type ImportedRole, type ImportedUser, UniqueViolation } from "../ports.js";
import { type Decision, decideRows, type Pending } from "./decide.js";
import { NO_PASSWORD_HASH, parseImportLine, RowRejected } from "./format.js";
import { hashAll } from "./hash-all.js";
import {
  DEFAULT_IMPORT_BATCH,
  type ImportHooks,
  type ImportInputRecord,
  type ImportOptions,
  type ImportOutcome,
  type ImportRun,
  rejectRow,
} from "./run.js";

/**
 * `gatehouse import`: records of Gatehouse's import format (docs/import.md), from a file or an
 * original server's store, checked and written in batches. A row is written whole or not at
 * all; a batch is one transaction; a row the database refuses is retried alone, so it fails
 * alone. Nothing is held in memory beyond one batch: duplicates within the input are found
 * through `inputKeys`.
 */

export async function importUsers(
  ctx: CoreContext,
  records: AsyncIterable<ImportInputRecord>,
  options: ImportOptions,
  hooks: ImportHooks,
): Promise<ImportOutcome> {
  const run: ImportRun = {
    ctx,
    options,
    hooks,
    counts: { rows: 0, imported: 0, updated: 0, skipped: 0, rejected: 0, roles: 0 },
    roles: new Map(),
    stopped: false,
  };
  hooks.progress(run.counts);
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  let pending: Pending[] = [];
  for await (const record of records) {
    run.counts.rows++;
    if ("error" in record) {
      await rejectRow(run, record, record.error);
      continue;
    }
    let parsed;
    try {
      parsed = parseImportLine(record.value, ctx.settings.passwordPolicy);
    } catch (error) {
      if (!(error instanceof RowRejected)) throw error;
      await rejectRow(run, record, error.message);
      continue;
    }
    if (parsed.kind === "role") {
      // The users before it are written first: a role line takes effect where it stands.
      await writeBatch(run, pending);
      pending = [];
      if (run.stopped) break;
      await applyRole(run, parsed.role);
    } else {
      pending.push({ line: record.line, input: record.input, user: parsed.user });
      if (pending.length >= batchSize) {
        await writeBatch(run, pending);
        pending = [];
      }
    }
    if (run.stopped) break;
  }
  if (!run.stopped) await writeBatch(run, pending);
  if (!options.dryRun) await auditRun(run);
  return { ...run.counts, stoppedAtConflict: run.stopped };
}

async function applyRole(run: ImportRun, role: ImportedRole): Promise<void> {
  run.counts.roles++;
  if (run.options.dryRun) {
    if (!run.roles.has(role.name)) run.roles.set(role.name, -1);
    return;
  }
  await run.ctx.store.transaction((store) => store.imports.upsertRole(role));
  // Looked up again by the next batch that names it.
  run.roles.delete(role.name);
}

/** Checks a batch against the input so far and the database, then writes what is left. */
async function writeBatch(run: ImportRun, batch: Pending[]): Promise<void> {
  if (batch.length === 0) return;
  const decisions = await decideRows(run, batch);
  const writes = decisions.filter((decision) => decision.action !== "skip");
  const hashes = await hashAll(
    run.ctx.hasher,
    writes.map((decision) => decision.row.user.password),
  );
  const now = run.ctx.now();
  const records = writes.map((decision, index) => toImported(run, decision, hashes[index] ?? null, now));
  const refused = run.options.dryRun ? new Set<number>() : await commit(run, writes, records);
  run.counts.skipped += decisions.length - writes.length;
  for (const [index, decision] of writes.entries()) {
    if (!refused.has(index)) run.counts[decision.action === "insert" ? "imported" : "updated"]++;
  }
  run.hooks.progress(run.counts);
}

/** A user as written; `passwordHash` null only in an update, which then keeps the stored hash. */
type Written = Omit<ImportedUser, "passwordHash"> & { passwordHash: string | null };

function toImported(run: ImportRun, decision: Decision, hashed: string | null, now: number): Written {
  const { user } = decision.row;
  const update = decision.action === "update";
  const passwordHash = hashed ?? user.passwordHash;
  return {
    id: update ? decision.existingId : (user.id ?? randomUUID()),
    seq: update ? null : user.seq,
    username: user.username,
    usernameCanonical: user.usernameCanonical,
    displayName: user.displayName,
    email: user.email,
    emailCanonical: user.emailCanonical,
    emailVerified: user.emailVerified,
    phone: user.phone,
    attributes: user.attributes,
    status: user.status,
    // A new account without a password gets a hash no password matches.
    passwordHash: passwordHash ?? (update ? null : NO_PASSWORD_HASH),
    createdAt: user.createdAt ?? now,
    updatedAt: now,
    lastLoginAt: user.lastLoginAt,
    roleIds: user.roles.map((name) => run.roles.get(name) ?? -1),
  };
}

/**
 * One transaction for the batch. If the database refuses it (a name taken meanwhile by a
 * registration, say), each row is retried in a transaction of its own: the refused ones are
 * rejected alone, the others written. On SQLite those retries share one group commit. Returns
 * the indexes of the refused rows.
 */
async function commit(run: ImportRun, writes: Decision[], records: Written[]): Promise<Set<number>> {
  const write = (decisions: Decision[], users: Written[]) =>
    run.ctx.store.transaction(async (store) => {
      const inserts = users.filter((_, index) => decisions[index]?.action === "insert");
      if (inserts.length > 0) await store.imports.insertUsers(inserts as ImportedUser[]);
      for (const [index, user] of users.entries())
        if (decisions[index]?.action === "update") await store.imports.updateUser(user);
    });
  try {
    await write(writes, records);
    return new Set();
  } catch (error) {
    if (!(error instanceof UniqueViolation)) throw error;
  }
  const refused = new Set<number>();
  const outcomes = await Promise.allSettled(records.map((user, index) => write([writes[index] as Decision], [user])));
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === "fulfilled") continue;
    if (!(outcome.reason instanceof UniqueViolation)) throw outcome.reason;
    refused.add(index);
    const field = outcome.reason.field === "other" ? "id or seq" : outcome.reason.field;
    await rejectRow(run, (writes[index] as Decision).row, `${field} is taken (refused by the database)`);
  }
  return refused;
}

async function auditRun(run: ImportRun): Promise<void> {
  const { imported, updated, skipped, rejected, roles } = run.counts;
  const detail = `imported=${imported} updated=${updated} skipped=${skipped} rejected=${rejected} roles=${roles}${run.stopped ? " stopped_at_conflict" : ""}`;
  await audit(run.ctx, { event: "users_imported", outcome: "success", detail });
}
