import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { findJsonProblem } from "../strict-json.js";
import type { Keyring } from "./keyring.js";

export type TokenKind = "access" | "refresh";

/** Header `typ` per kind: a token of one kind can never pass as the other. */
const TYP: Record<TokenKind, string> = { access: "at+jwt", refresh: "rt+jwt" };

export type VerifyFailure = "malformed" | "bad_header" | "bad_signature" | "expired" | "invalid_claims";

export type VerifiedJwt = {
  kind: TokenKind;
  claims: Omit<JWTPayload, "sub"> & { sid: string; sub: string | number; jti: string };
};

export type JwtService = {
  /** Signs a token; times are in seconds since the epoch. */
  sign(
    kind: TokenKind,
    claims: Record<string, unknown>,
    times: { issuedAt: number; notBefore: number; expiresAt: number },
  ): Promise<string>;
  verify(token: string): Promise<{ ok: true; value: VerifiedJwt } | { ok: false; reason: VerifyFailure }>;
  keyring: Keyring;
};

export function createJwtService(keyring: Keyring, issuer: string): JwtService {
  return {
    keyring,
    async sign(kind, claims, times) {
      const key = await keyring.current();
      return new SignJWT({ jti: randomUUID(), iss: issuer, ...claims, type: kind })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TYP[kind] })
        .setIssuedAt(times.issuedAt)
        .setNotBefore(times.notBefore)
        .setExpirationTime(times.expiresAt)
        .sign(key.signingKey);
    },
    verify: (token) => verifyJwt(keyring, issuer, token),
  };
}

async function verifyJwt(keyring: Keyring, issuer: string, token: string): ReturnType<JwtService["verify"]> {
  if (token.split(".").length !== 3) return { ok: false as const, reason: "malformed" as const };
  let kid: unknown;
  let typ: unknown;
  try {
    ({ kid, typ } = decodeProtectedHeader(token));
  } catch {
    return { ok: false as const, reason: "bad_header" as const };
  }
  // RFC 7515 §4 / RFC 7519 §4: a repeated header or claim name is refused, since parsers
  // disagree on which one wins (two `alg`, the first `none`, is the classic). jose rejects
  // unknown `crit` entries itself.
  const [header = "", payload = ""] = token.split(".");
  if (findJsonProblem(decodeSegment(header)) !== null) return { ok: false as const, reason: "bad_header" as const };
  if (findJsonProblem(decodeSegment(payload)) !== null) return { ok: false as const, reason: "invalid_claims" as const };
  // The key, and with it the only acceptable algorithm, comes from our keyring, never the token.
  const key = typeof kid === "string" && kid.length <= 128 ? await keyring.find(kid) : undefined;
  if (!key) return { ok: false as const, reason: "bad_signature" as const };
  try {
    const { payload } = await jwtVerify(token, key.verifyKey, {
      algorithms: [key.alg],
      requiredClaims: ["iss", "exp", "iat", "nbf", "sub", "jti", "sid", "type"],
    });
    const kind = payload.type === "access" || payload.type === "refresh" ? payload.type : null;
    const valid =
      kind !== null &&
      typ === TYP[kind] &&
      isOurIssuer(payload.iss, issuer) &&
      typeof payload.sid === "string" &&
      (typeof payload.sub === "string" || Number.isSafeInteger(payload.sub));
    if (!valid) return { ok: false as const, reason: "invalid_claims" as const };
    return { ok: true as const, value: { kind, claims: payload as VerifiedJwt["claims"] } };
  } catch (error) {
    return { ok: false as const, reason: classify(error) };
  }
}

const decodeSegment = (segment: string) => Buffer.from(segment, "base64url").toString("utf8");

/**
 * `iss` is the configured issuer, or a URL under it: a wire format may name the endpoint that
 * issued the token (jwt-auth does), but always below our own public base URL.
 */
function isOurIssuer(iss: unknown, issuer: string): boolean {
  return typeof iss === "string" && (iss === issuer || iss.startsWith(`${issuer}/`));
}

function classify(error: unknown): VerifyFailure {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return "bad_signature";
  }
  if (error instanceof errors.JWTClaimValidationFailed) return "invalid_claims";
  return "malformed";
}
