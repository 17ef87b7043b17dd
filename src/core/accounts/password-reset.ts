import type { UserRecord } from "../ports.js";
import { deliverCode, redeemCodeAt, releaseCode, reserveCodeSend, storeDecoyCode } from "../codes/codes.js";
import { passwordResetMail } from "../codes/message.js";
import { audit, type CoreContext, inTransaction, type RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import { checkNewPassword } from "../passwords/policy.js";
import { REVOKED_ALL, revokeAllSessions } from "../sessions/sessions.js";
import { BY_SELF } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { canonicalEmail, canonicalUsername } from "./identifiers.js";

/** Who asks: an account's email address or its username. */
export type ResetIdentifier = { email: string } | { username: string };

export type PasswordReset = { identifier: ResetIdentifier; code: string; newPassword: string; meta: RequestMeta };

/** Mails still being sent, per store, so that a shutdown can let them finish first. */
const pendingMail = new WeakMap<object, Set<Promise<void>>>();

/** The account named, or `null` when there is none (a malformed identifier is the caller's error). */
async function findAccount(ctx: CoreContext, identifier: ResetIdentifier): Promise<UserRecord | null> {
  if ("email" in identifier) return ctx.store.users.findByCanonicalEmail(canonicalEmail(identifier.email));
  return ctx.store.users.findByCanonicalName(canonicalUsername(identifier.username).canonical);
}

/**
 * Starts a password reset. Whether the account exists, is disabled or has no address, the
 * caller sees the same: one lookup, one reservation against the resend cooldown and daily cap
 * (an unknown address or name reserves under itself), and a mail queued after the answer — for
 * an account that cannot be reset, the queued task does nothing.
 */
export async function requestPasswordReset(ctx: CoreContext, identifier: ResetIdentifier): Promise<void> {
  const user = await findAccount(ctx, identifier);
  const email = resettable(user)?.email ?? null;
  const target = codeTarget(user, identifier);
  const reserved = await reserveCodeSend(ctx, "password_reset", target);
  queue(ctx, async () => {
    if (reserved.outcome !== "ok") return;
    // No account to mail: a code no one holds, so that the confirm step costs the same for it.
    if (email === null) return storeDecoyCode(ctx, "password_reset", target, reserved.at);
    await deliverCode(ctx, "password_reset", email, reserved.at, (to, code, ttl) =>
      passwordResetMail(to, code, ttl, ctx.settings.serviceName, resetLink(ctx, identifier)),
    );
  });
}

/** The account when a reset can set its password: active, with an address to mail. */
const resettable = (user: UserRecord | null): (UserRecord & { email: string }) | null =>
  user?.status === "active" && user.email !== null ? (user as UserRecord & { email: string }) : null;

/**
 * Where the reset code for `identifier` is kept: the account's canonical address when it has one
 * (disabled or not: a code mailed before a disable is found, and used up, by the refused try),
 * otherwise the identifier itself (an unknown name under `username:`), so that the request and
 * the confirm step find the same code record, real or decoy, for every identifier.
 */
function codeTarget(user: UserRecord | null, identifier: ResetIdentifier): string {
  if (user?.email) return canonicalEmail(user.email);
  if ("email" in identifier) return canonicalEmail(identifier.email);
  return `username:${canonicalUsername(identifier.username).canonical}`;
}

/** The hosted reset page with the identifier filled in (never the code: a URL can leak). */
function resetLink(ctx: CoreContext, identifier: ResetIdentifier): string {
  const query = new URLSearchParams("email" in identifier ? { email: identifier.email } : { username: identifier.username });
  return `${ctx.settings.issuer}/reset?${query.toString()}`;
}

/** Runs `task` after the current request has been answered; a failure is logged, never thrown. */
function queue(ctx: CoreContext, task: () => Promise<void>): void {
  const pending = pendingMail.get(ctx.store) ?? new Set();
  pendingMail.set(ctx.store, pending);
  const run = new Promise<void>((resolve) => setImmediate(resolve))
    .then(task)
    .catch((error: unknown) => {
      if (!(error instanceof AuthError))
        ctx.log.error({ err: { message: (error as Error).message } }, "password reset mail failed");
    })
    .finally(() => pending.delete(run));
  pending.add(run);
}

/** Waits for the reset mails still being sent (before the store closes). */
export async function settlePendingMail(ctx: CoreContext): Promise<void> {
  await Promise.all([...(pendingMail.get(ctx.store) ?? [])]);
}

/**
 * Sets a new password with a reset code. A wrong code, an unknown account and a disabled one
 * all answer `code_invalid`, so the answer says nothing of the account. The new password passes
 * the policy (a refused one gives the code back for another try); the new hash, the revocation
 * of every session, the audit record and the webhook events are one transaction.
 */
export async function confirmPasswordReset(ctx: CoreContext, input: PasswordReset): Promise<void> {
  let user: UserRecord | null;
  let target: string;
  try {
    user = await findAccount(ctx, input.identifier);
    target = codeTarget(user, input.identifier);
  } catch (error) {
    // A malformed identifier names no account: the same answer as a wrong code.
    if (error instanceof AuthError) throw new AuthError("code_invalid");
    throw error;
  }
  // Known, unknown or disabled: one code lookup, one attempt counted, one audit record.
  const redeemed = await redeemCodeAt(ctx, "password_reset", target, input.code);
  const account = resettable(user);
  // A disabled account's code is used up all the same: it cannot be reset into use.
  if (!account) throw new AuthError("code_invalid");
  let hash: string;
  try {
    const password = checkNewPassword(input.newPassword, ctx.settings.passwordPolicy, {
      username: account.username,
      serviceName: ctx.settings.serviceName,
    });
    hash = await ctx.hasher.hash(password);
  } catch (error) {
    await releaseCode(ctx, redeemed);
    throw error;
  }
  await inTransaction(ctx, async (tx) => {
    await tx.store.users.setPasswordHash(account.id, hash, ctx.now());
    await revokeAllSessions(tx, account.id, REVOKED_ALL.passwordReset);
    await audit(tx, { event: "password_reset", outcome: "success", userId: account.id, ip: input.meta.ip });
    await emit(tx, "user.password_changed", { userId: account.id, by: BY_SELF, reason: "reset" });
  });
}
