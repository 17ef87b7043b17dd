import type { FastifyBaseLogger } from "fastify";
import type { ActiveSession, FrontDoorCore, LegacyClaims, LegacyTrust, TokenKind, UserRecord } from "../core/index.js";
import { boolean, type Setting, text } from "../dialects/types.js";

/**
 * The cutover settings a dialect with an HS256 original declares (`<PREFIX>_LEGACY_SECRET`,
 * `<PREFIX>_SIGN_WITH_LEGACY_SECRET`), their checks and the reading of a bearer token that may
 * be the original's. Shared by those dialects; each keeps its own wire answers.
 */

/** Below this, a secret is weak; the originals' secrets are accepted anyway, with a warning. */
const STRONG_SECRET_BYTES = 32;

export type LegacySecretSettings = { legacySecret: string; signWithLegacySecret: boolean };

export function legacySecretSettings(prefix: string, original: string) {
  const secret: Setting<string> = {
    env: `${prefix}_LEGACY_SECRET`,
    default: "",
    doc: `The ${original} server's HS256 secret, for the cutover: while set, the tokens it issued are accepted until they expire. Unset by default.`,
    parse: text,
  };
  const signWith: Setting<boolean> = {
    env: `${prefix}_SIGN_WITH_LEGACY_SECRET`,
    default: "false",
    doc: `Sign new tokens HS256 with \`${prefix}_LEGACY_SECRET\` in the original's claim shape, for services that verify with it. Needs the secret.`,
    parse: boolean,
  };
  return { legacySecret: secret, signWithLegacySecret: signWith };
}

/** Signing with the legacy secret needs one. */
export function checkLegacySecretSettings(prefix: string, values: LegacySecretSettings): string[] {
  if (values.signWithLegacySecret && values.legacySecret.length === 0) {
    return [`${prefix}_SIGN_WITH_LEGACY_SECRET=true needs ${prefix}_LEGACY_SECRET (the original server's HS256 secret)`];
  }
  return [];
}

/** The start-up warning for a short legacy secret; it names the variable, never the value. */
export function warnIfShortLegacySecret(log: FastifyBaseLogger, prefix: string, values: LegacySecretSettings): void {
  const bytes = Buffer.byteLength(values.legacySecret, "utf8");
  if (bytes === 0 || bytes >= STRONG_SECRET_BYTES) return;
  log.warn(
    { setting: `${prefix}_LEGACY_SECRET`, bytes },
    `${prefix}_LEGACY_SECRET is shorter than ${STRONG_SECRET_BYTES} bytes: accepted for the cutover only; unset it once the old tokens have expired`,
  );
}

/** What a dialect trusts of its original, or `null` while no legacy secret is set. */
export const legacyTrust = (source: string, subject: LegacyTrust["subject"], values: LegacySecretSettings): LegacyTrust | null =>
  values.legacySecret.length > 0 ? { source, secret: values.legacySecret, subject } : null;

/** A bearer token that checked out: ours (with its session), or the original's (with its user). */
export type PresentedToken =
  | { ok: true; kind: TokenKind; session: ActiveSession; original: null }
  | { ok: true; kind: TokenKind; session: ActiveSession | null; original: { claims: LegacyClaims; user: UserRecord } };

export type TokenRefusal =
  | { ok: false; reason: "malformed" | "bad_header" | "bad_signature" | "invalid_claims" | "expired" }
  | { ok: false; reason: "revoked"; kind: TokenKind };

/**
 * Checks a bearer token: first as ours; one that no key of our keyring signed is then tried
 * with the legacy secret, if set. An original's token without `type` is an access token (the
 * Flask library's reading; the PHP one has a single kind).
 */
export async function checkPresentedToken(
  core: FrontDoorCore,
  token: string,
  trust: LegacyTrust | null,
): Promise<PresentedToken | TokenRefusal> {
  const own = await core.checkJwt(token);
  if (own.ok) return { ok: true, kind: own.kind, session: own.session, original: null };
  if (trust === null || own.reason !== "bad_signature") return own;
  const legacy = await core.checkLegacyJwt(token, trust);
  if (legacy.ok && legacy.origin === "gatehouse") return { ok: true, kind: legacy.kind, session: legacy.session, original: null };
  if (!legacy.ok && legacy.reason !== "revoked") return legacy;
  const claims = legacy.claims;
  const kind: TokenKind = claims.type === "refresh" ? "refresh" : "access";
  if (!legacy.ok) return { ok: false, reason: "revoked", kind };
  if (legacy.origin !== "original") return { ok: false, reason: "revoked", kind };
  return { ok: true, kind, session: legacy.session, original: { claims, user: legacy.user } };
}

/** Seconds from now until `epochSeconds`, at least 1. */
export const secondsUntil = (epochSeconds: number): number => Math.max(1, epochSeconds - Math.floor(Date.now() / 1000));
