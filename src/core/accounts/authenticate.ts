import type { UserRecord } from "../../store/ports.js";
import { audit, type CoreContext, type RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import { normalisePassword } from "../passwords/policy.js";
import { canonicalEmail, lookupUsername } from "./identifiers.js";

/** The account an identifier names: a login name, or (when allowed and it has an `@`) an email. */
async function findAccount(ctx: CoreContext, identifier: string, mayBeEmail: boolean): Promise<UserRecord | null> {
  if (mayBeEmail && identifier.includes("@")) {
    try {
      return await ctx.store.users.findByCanonicalEmail(canonicalEmail(identifier));
    } catch {
      return null;
    }
  }
  const canonical = lookupUsername(identifier);
  return canonical === null ? null : ctx.store.users.findByCanonicalName(canonical);
}

const MAX_LOCK_MS = 3_600_000;

/**
 * Checks a username and password. An unknown user costs one dummy Argon2id verification, so
 * it is indistinguishable from a wrong password in result and timing. Each check on an
 * existing account is counted in the database before it runs; past the threshold the account
 * is locked for a progressively longer time and answers exactly like a wrong password. A
 * disabled account is reported only after its password was verified. Upgrades weaker hashes.
 */
export async function verifyCredentials(
  ctx: CoreContext,
  username: string,
  password: string,
  meta: RequestMeta,
  identifierMayBeEmail = false,
): Promise<UserRecord> {
  let normalised: string;
  try {
    normalised = normalisePassword(password, ctx.settings.passwordPolicy);
  } catch {
    // Over-long or unstorable: cannot match any stored password; refused before hashing.
    throw new AuthError("invalid_credentials");
  }
  const { lockoutThreshold, lockoutSeconds } = ctx.settings;
  const user = await findAccount(ctx, username, identifierMayBeEmail);
  if (user && !(await ctx.store.users.reserveLoginAttempt(user.id, ctx.now(), lockoutThreshold))) {
    await ctx.hasher.verify(null, normalised);
    await audit(ctx, { event: "login", outcome: "failure", userId: user.id, ip: meta.ip, detail: "locked" });
    throw new AuthError("invalid_credentials");
  }
  const matches = await ctx.hasher.verify(user?.passwordHash ?? null, normalised);
  if (!user || !matches) {
    if (user) {
      const lockMs = Math.min(lockoutSeconds * 1000 * 2 ** user.lockouts, MAX_LOCK_MS);
      await ctx.store.users.lockIfOverThreshold(user.id, ctx.now(), lockoutThreshold, lockMs);
    }
    await audit(ctx, { event: "login", outcome: "failure", userId: user?.id ?? null, ip: meta.ip });
    throw new AuthError("invalid_credentials");
  }
  await ctx.store.users.clearLoginFailures(user.id);
  if (user.status !== "active") {
    await audit(ctx, { event: "login", outcome: "failure", userId: user.id, ip: meta.ip, detail: "disabled" });
    throw new AuthError("account_disabled");
  }
  if (ctx.hasher.needsRehash(user.passwordHash)) {
    await ctx.store.users.setPasswordHash(user.id, await ctx.hasher.hash(normalised), ctx.now());
  }
  return user;
}
