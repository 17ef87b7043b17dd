import type { AuditEvent } from "../ports.js";
import { audit, type CoreContext, inTransaction } from "../context.js";
import { BY_CLI } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { AuthError } from "../errors.js";
import { createKeyRecord, keyStatuses, type KeyStatus, RELOAD_INTERVAL_MS, type SigningAlg } from "./keyring.js";

export type RotatedKey = {
  kid: string;
  alg: SigningAlg;
  createdAt: number;
  /** How long other processes may take to start signing with it. */
  adoptedWithinMs: number;
  /** When the keys it supersedes stop verifying (and leave the JWKS). */
  previousRetireAt: number;
};

/**
 * Stores a new key of the configured algorithm; every process sharing the database signs with
 * it once it next reloads its keys (within a few seconds), while the keys it supersedes keep
 * verifying, and stay published, until the tokens they signed have expired.
 */
export async function rotateSigningKey(ctx: CoreContext, auditAs: Pick<AuditEvent, "actor" | "ip"> = {}): Promise<RotatedKey> {
  const { keyring } = ctx.jwt;
  const alg = keyring.policy.alg;
  if (alg === "HS256") {
    throw new AuthError(
      "invalid_request",
      "JWT_ALG=HS256 signs with the shared JWT_SECRET, so there is no stored key to rotate; change JWT_SECRET on every process instead",
    );
  }
  // The newest key signs, so the new one must sort first even if this clock lags another's.
  const newest = (await ctx.store.keys.list())[0];
  const createdAt = Math.max(ctx.now(), (newest?.createdAt ?? 0) + 1);
  const record = await createKeyRecord(alg, createdAt);
  await inTransaction(ctx, async (tx) => {
    await tx.store.keys.insert(record);
    await audit(tx, { ...auditAs, event: "signing_key_rotated", outcome: "success", detail: record.kid });
    await emit(tx, "signing_key.rotated", { kid: record.kid, alg, by: auditAs.actor ?? BY_CLI });
  });
  await keyring.reload();
  return {
    kid: record.kid,
    alg,
    createdAt,
    adoptedWithinMs: RELOAD_INTERVAL_MS,
    previousRetireAt: createdAt + keyring.policy.retentionMs + RELOAD_INTERVAL_MS,
  };
}

/** The stored keys, newest first, with their lifecycle; never any key material. */
export async function listSigningKeys(ctx: CoreContext): Promise<{ alg: SigningAlg; keys: KeyStatus[] }> {
  const { policy } = ctx.jwt.keyring;
  const records = await ctx.store.keys.list();
  // In HS256 mode no stored key signs or verifies: they are listed, but none is current.
  return { alg: policy.alg, keys: keyStatuses(records, policy, ctx.now()) };
}
