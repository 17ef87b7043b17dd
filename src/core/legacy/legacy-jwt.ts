import { createSecretKey, type KeyObject } from "node:crypto";
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { findJsonProblem } from "../strict-json.js";
import type { VerifyFailure } from "../tokens/jwt.js";

/**
 * HS256 with an original server's shared secret, for the cutover only: the tokens that server
 * issued before Gatehouse took over, and (on request) Gatehouse's own tokens in its shape.
 */

/** The only algorithm accepted: the originals signed HS256, and `none` or any other is refused. */
const ALGORITHM = "HS256";

/** The claims every accepted token has, whichever server issued it. */
export type LegacyClaims = JWTPayload & { exp: number; jti: string; sub: string | number };

export type LegacyVerification = { ok: true; claims: LegacyClaims } | { ok: false; reason: VerifyFailure };

/** One key object per configured secret (a process has at most one per dialect). */
const keys = new Map<string, KeyObject>();

/** The shared secret as a key: its UTF-8 bytes as given, as PyJWT and PHP's JWT libraries take it. */
export function legacyKeyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keys.set(secret, key);
  }
  return key;
}

const decodeSegment = (segment: string) => Buffer.from(segment, "base64url").toString("utf8");

/**
 * Verifies a token signed with the legacy secret: HS256 only (jose compares the signature in
 * constant time), not expired (no leeway, as the originals' JWT libraries by default),
 * not before its `nbf`, with no repeated header or claim name. A token without `exp` is refused:
 * an old token is accepted until it expires, never longer, and one that never expires would be
 * accepted for as long as the secret is set.
 */
export async function verifyLegacyJwt(key: KeyObject, token: string): Promise<LegacyVerification> {
  const segments = token.split(".");
  if (segments.length !== 3) return { ok: false, reason: "malformed" };
  try {
    decodeProtectedHeader(token);
  } catch {
    return { ok: false, reason: "bad_header" };
  }
  if (findJsonProblem(decodeSegment(segments[0] ?? "")) !== null) return { ok: false, reason: "bad_header" };
  if (findJsonProblem(decodeSegment(segments[1] ?? "")) !== null) return { ok: false, reason: "invalid_claims" };
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], requiredClaims: ["exp", "jti", "sub"] });
    const valid =
      typeof payload.jti === "string" &&
      payload.jti.length > 0 &&
      payload.jti.length <= 128 &&
      (typeof payload.sub === "string" || Number.isSafeInteger(payload.sub));
    if (!valid) return { ok: false, reason: "invalid_claims" };
    return { ok: true, claims: payload as LegacyClaims };
  } catch (error) {
    return { ok: false, reason: classify(error) };
  }
}

function classify(error: unknown): VerifyFailure {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return "bad_signature";
  }
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTInvalid) return "invalid_claims";
  return "malformed";
}

/**
 * Signs `claims` HS256 with the legacy secret, header `{"alg":"HS256","typ":"JWT"}` as the
 * originals wrote it (no `kid`: the services that share the secret know only it).
 */
export function signLegacyJwt(
  key: KeyObject,
  claims: Record<string, unknown>,
  times: { issuedAt: number; notBefore: number; expiresAt: number },
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setIssuedAt(times.issuedAt)
    .setNotBefore(times.notBefore)
    .setExpirationTime(times.expiresAt)
    .sign(key);
}
