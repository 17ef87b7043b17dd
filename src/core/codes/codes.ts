import { randomInt, randomUUID } from "node:crypto";
import { canonicalEmail } from "../accounts/identifiers.js";
import { audit, type CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
import { safeEqual } from "../tokens/secrets.js";
import type { CodeRecord, MailMessage, SendReservation } from "../ports.js";
import { verificationMail } from "./message.js";

export type CodePurpose = "registration" | "password_reset" | "email_change";

/** Wrong guesses a code survives; the next evaluation is refused even for the right code. */
export const MAX_CODE_ATTEMPTS = 5;

const hashCode = (ctx: CoreContext, purpose: CodePurpose, target: string, code: string) =>
  ctx.secretHash(`${purpose}\u0000${target}\u0000${code}`);

/**
 * Mails a fresh 6-digit code (CSPRNG) for `purpose` to `email`. Only its keyed hash, bound to
 * purpose and address, is stored; once mailed, a new code supersedes the previous one. The cooldown and
 * the daily cap are reserved atomically before sending; a failed send stores nothing.
 */
export async function sendCode(
  ctx: CoreContext,
  purpose: CodePurpose,
  email: string,
  mail: CodeMail = verificationMailFor(ctx),
): Promise<void> {
  const reserved = await reserveCodeSend(ctx, purpose, canonicalEmail(email));
  if (reserved.outcome !== "ok") throw new AuthError(reserved.outcome === "cooldown" ? "code_cooldown" : "code_daily_cap");
  await deliverCode(ctx, purpose, email, reserved.at, mail);
}

/** Builds the mail that carries a code: the address, the code and its validity in seconds. */
export type CodeMail = (to: string, code: string, ttlSeconds: number) => MailMessage;

const verificationMailFor =
  (ctx: CoreContext): CodeMail =>
  (to, code, ttl) =>
    verificationMail(to, code, ttl, ctx.settings.serviceName);

export type CodeReservation = { outcome: SendReservation; at: number };

/** Reserves one send to the canonical `target` against its resend cooldown and daily cap. */
export async function reserveCodeSend(ctx: CoreContext, purpose: CodePurpose, target: string): Promise<CodeReservation> {
  const { codeCooldown, codeDailyCap } = ctx.settings;
  const at = ctx.now();
  const outcome = await ctx.store.codes.reserveSend(purpose, target, at, codeCooldown * 1000, codeDailyCap);
  return { outcome, at };
}

/** Stores and mails a code under a reservation made at `reservedAt`; a failed send gives both back. */
export async function deliverCode(
  ctx: CoreContext,
  purpose: CodePurpose,
  email: string,
  reservedAt: number,
  mail: CodeMail,
): Promise<void> {
  const target = canonicalEmail(email);
  const { codeTtl } = ctx.settings;
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const record = codeRecord(ctx, purpose, target, code, reservedAt);
  await ctx.store.codes.insert(record);
  try {
    await ctx.mail.send(mail(email, code, codeTtl));
  } catch (error) {
    // Nothing of this attempt remains, and the code the user may already hold stays valid.
    ctx.log.warn({ err: { message: (error as Error).message }, purpose }, "verification mail not sent");
    await ctx.store.codes.delete(record.id);
    await ctx.store.codes.releaseSend(purpose, target, reservedAt);
    throw new AuthError("mail_failed");
  }
  await ctx.store.codes.markSent(record, ctx.now());
  await audit(ctx, { event: "code_sent", outcome: "success", detail: purpose });
}

function codeRecord(ctx: CoreContext, purpose: CodePurpose, target: string, code: string, createdAt: number): CodeRecord {
  return {
    id: randomUUID(),
    purpose,
    target,
    codeHash: hashCode(ctx, purpose, target, code),
    createdAt,
    expiresAt: createdAt + ctx.settings.codeTtl * 1000,
    attempts: 0,
    consumedAt: null,
  };
}

/**
 * Stores a live code under `target` that is mailed to no one (its digits are thrown away), so
 * that redeeming for a target without an account costs what redeeming a real code costs: the
 * same lookup, attempt count and audit. A guess matches it one time in a million, and what it
 * was redeemed for then refuses anyway.
 */
export async function storeDecoyCode(ctx: CoreContext, purpose: CodePurpose, target: string, reservedAt: number): Promise<void> {
  const record = codeRecord(ctx, purpose, target, randomUUID(), reservedAt);
  await ctx.store.codes.insert(record);
  await ctx.store.codes.markSent(record, ctx.now());
}

export type RedeemedCode = { id: string; target: string };

/**
 * Checks and uses up the live code for `purpose` and `email`. Every evaluation counts as an
 * attempt in the database first, so parallel guesses cannot exceed `MAX_CODE_ATTEMPTS`.
 */
export async function redeemCode(ctx: CoreContext, purpose: CodePurpose, email: string, code: string): Promise<RedeemedCode> {
  let target: string;
  try {
    target = canonicalEmail(email);
  } catch {
    throw new AuthError("code_invalid");
  }
  return redeemCodeAt(ctx, purpose, target, code);
}

/** `redeemCode` for a canonical target (an address, or what stands for one without an account). */
export async function redeemCodeAt(ctx: CoreContext, purpose: CodePurpose, target: string, code: string): Promise<RedeemedCode> {
  const live = await ctx.store.codes.findLive(purpose, target);
  if (!live) return refuseCode(ctx, purpose);
  if (live.expiresAt <= ctx.now()) throw new AuthError("code_expired");
  const evaluated = await ctx.store.codes.countAttempt(live.id, MAX_CODE_ATTEMPTS);
  const matches = /^\d{6}$/.test(code) && safeEqual(live.codeHash, hashCode(ctx, purpose, target, code));
  if (!evaluated || !matches || !(await ctx.store.codes.consume(live.id, ctx.now()))) return refuseCode(ctx, purpose);
  return { id: live.id, target };
}

/** Every refusal of a code is audited, with or without a live code: the two cost the same write. */
async function refuseCode(ctx: CoreContext, purpose: CodePurpose): Promise<never> {
  await audit(ctx, { event: "code_redeem", outcome: "failure", detail: purpose });
  throw new AuthError("code_invalid");
}

/** Makes a redeemed code usable again when what it was redeemed for did not happen. */
export const releaseCode = (ctx: CoreContext, redeemed: RedeemedCode): Promise<void> => ctx.store.codes.unconsume(redeemed.id);
