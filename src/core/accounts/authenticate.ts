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

/**
 * Checks a username and password. An unknown user costs one dummy Argon2id verification, so
 * it is indistinguishable from a wrong password in result and timing. A disabled account is
 * reported only after its password was verified. Upgrades weaker hashes on success.
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
  const user = await findAccount(ctx, username, identifierMayBeEmail);
  const matches = await ctx.hasher.verify(user?.passwordHash ?? null, normalised);
  if (!user || !matches) {
    await audit(ctx, { event: "login", outcome: "failure", userId: user?.id ?? null, ip: meta.ip });
    throw new AuthError("invalid_credentials");
  }
  if (user.status !== "active") {
    await audit(ctx, { event: "login", outcome: "failure", userId: user.id, ip: meta.ip, detail: "disabled" });
    throw new AuthError("account_disabled");
  }
  if (ctx.hasher.needsRehash(user.passwordHash)) {
    await ctx.store.users.setPasswordHash(user.id, await ctx.hasher.hash(normalised), ctx.now());
  }
  return user;
}
