import type { UserRecord } from "../ports.js";
import { redeemCode, releaseCode, sendCode } from "../codes/codes.js";
import type { CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
import { canonicalEmail, canonicalUsername } from "./identifiers.js";
import { type Registration, register } from "./register.js";

/** Mails a registration code, unless the address already belongs to an account. */
export async function sendRegistrationCode(ctx: CoreContext, email: string): Promise<void> {
  if (await ctx.store.users.findByCanonicalEmail(canonicalEmail(email))) throw new AuthError("email_taken");
  await sendCode(ctx, "registration", email);
}

/** Whether a login name is free; a malformed one is `username_invalid`. */
export async function isUsernameAvailable(ctx: CoreContext, username: string): Promise<boolean> {
  const { canonical } = canonicalUsername(username);
  return (await ctx.store.users.findByCanonicalName(canonical)) === null;
}

/**
 * Registers an account whose email is proven by a code sent to it. The code is checked (and
 * used up) first; if the account then cannot be created (name taken, weak password), the code
 * is given back so that the user can correct the form and retry.
 */
export async function registerWithCode(
  ctx: CoreContext,
  input: Registration & { email: string; code: string },
): Promise<UserRecord> {
  const redeemed = await redeemCode(ctx, "registration", input.email, input.code);
  try {
    return await register(ctx, { ...input, emailVerified: true });
  } catch (error) {
    await releaseCode(ctx, redeemed);
    throw error;
  }
}
