/**
 * The stored password hash formats Gatehouse understands. Argon2id is its own; the others are
 * what the originals wrote, accepted at import and replaced by Argon2id at the first login.
 */

export type HashInspection = { ok: true; scheme: string } | { ok: false; reason: string };

/** What a stored hash is, and whether it can be verified at an acceptable cost (import's check). */
export function inspectHash(hash: string): HashInspection {
  if (hash.startsWith("$argon2id$")) return { ok: true, scheme: "argon2id" };
  return { ok: false, reason: "unknown password hash format" };
}
