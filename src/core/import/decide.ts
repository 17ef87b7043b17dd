import type { ImportClash } from "../ports.js";
import { type ImportRun, rejectRow } from "./run.js";
import type { UserLine } from "./format.js";

/** A checked user line waiting for its batch. */
export type Pending = { line: number; input: string; user: UserLine };

/** What becomes of a row that was not rejected. */
export type Decision = { row: Pending } & ({ action: "insert" } | { action: "update"; existingId: string } | { action: "skip" });

/** The keys a row must hold alone, within the input and in the database. */
function keysOf(user: UserLine): string[] {
  const keys = [`username:${user.usernameCanonical}`];
  if (user.id !== null) keys.push(`id:${user.id}`);
  if (user.seq !== null) keys.push(`seq:${user.seq}`);
  if (user.emailCanonical !== null) keys.push(`email:${user.emailCanonical}`);
  return keys;
}

/** The fields in which an existing user collides with the row. */
function sharedFields(user: UserLine, existing: ImportClash): string[] {
  const fields: string[] = [];
  if (user.id !== null && existing.id === user.id) fields.push("id");
  if (user.seq !== null && existing.seq === user.seq) fields.push("seq");
  if (existing.usernameCanonical === user.usernameCanonical) fields.push("username");
  if (user.emailCanonical !== null && existing.emailCanonical === user.emailCanonical) fields.push("email");
  return fields;
}

/** Makes sure every role the batch names is known, looking up those not seen yet. */
async function loadRoles(run: ImportRun, batch: Pending[]): Promise<void> {
  const missing = [...new Set(batch.flatMap((row) => row.user.roles))].filter((name) => !run.roles.has(name));
  if (missing.length === 0) return;
  for (const [name, id] of await run.ctx.store.imports.roleIds(missing)) run.roles.set(name, id);
}

/**
 * The decision for each row of the batch, rows rejected on the way. A row's identity is its
 * `id` when it has one, else its canonical username: an existing user with that identity is a
 * conflict (`--on-conflict`); any other existing user holding one of its keys makes it a
 * rejection, as does an earlier line of the input that claimed one of them.
 */
export async function decideRows(run: ImportRun, batch: Pending[]): Promise<Decision[]> {
  const unique: Pending[] = [];
  const earlier = run.hooks.inputKeys.claim(batch.map((row) => ({ keys: keysOf(row.user), line: row.line })));
  for (const [index, row] of batch.entries()) {
    const first = earlier[index];
    if (!first) unique.push(row);
    else await rejectRow(run, row, `${first.key.split(":")[0]} duplicates line ${first.line} of the input`);
  }
  await loadRoles(run, unique);
  const clashes = await run.ctx.store.imports.findClashes({
    ids: unique.flatMap((row) => (row.user.id === null ? [] : [row.user.id])),
    seqs: unique.flatMap((row) => (row.user.seq === null ? [] : [row.user.seq])),
    usernames: unique.map((row) => row.user.usernameCanonical),
    emails: unique.flatMap((row) => (row.user.emailCanonical === null ? [] : [row.user.emailCanonical])),
  });
  const decisions: Decision[] = [];
  for (const row of unique) {
    const decision = await decideRow(run, row, clashes);
    if (decision) decisions.push(decision);
    if (run.stopped) break;
  }
  return decisions;
}

async function decideRow(run: ImportRun, row: Pending, clashes: ImportClash[]): Promise<Decision | null> {
  const { user } = row;
  const unknownRole = user.roles.find((name) => !run.roles.has(name));
  if (unknownRole !== undefined) return reject(run, row, `unknown role ${JSON.stringify(unknownRole)}`);
  const isIdentity = (existing: ImportClash) =>
    user.id !== null ? existing.id === user.id : existing.usernameCanonical === user.usernameCanonical;
  const identity = clashes.find(isIdentity);
  for (const existing of clashes) {
    if (existing === identity) continue;
    const fields = sharedFields(user, existing);
    if (fields.length > 0) return reject(run, row, `${fields.join(" and ")} taken by another existing user`);
  }
  if (!identity) return { row, action: "insert" };
  if (user.seq !== null && user.seq !== identity.seq) {
    return reject(run, row, `seq ${user.seq} differs from the existing user's (${identity.seq})`);
  }
  if (run.options.onConflict === "skip") return { row, action: "skip" };
  if (run.options.onConflict === "update") return { row, action: "update", existingId: identity.id };
  run.stopped = true;
  return reject(
    run,
    row,
    `the user exists already (${user.id !== null ? "same id" : "same username"}) and --on-conflict is fail`,
  );
}

async function reject(run: ImportRun, row: Pending, reason: string): Promise<null> {
  await rejectRow(run, row, reason);
  return null;
}
