import type { UserRecord } from "../../store/ports.js";
import { audit, type CoreContext, type RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import { normalisePassword } from "../passwords/policy.js";
import { lookupUsername } from "./identifiers.js";

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
): Promise<UserRecord> {
  let normalised: string;
  try {
    normalised = normalisePassword(password, ctx.settings.passwordPolicy);
  } catch {
    // Over-long or unstorable: cannot match any stored password; refused before hashing.
    throw new AuthError("invalid_credentials");
  }
  const canonical = lookupUsername(username);
  const user = canonical === null ? null : await ctx.store.users.findByCanonicalName(canonical);
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
