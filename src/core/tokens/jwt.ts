import { randomUUID } from "node:crypto";
import { compactVerify, decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { findJsonProblem } from "../strict-json.js";
import type { Keyring } from "./keyring.js";
import { createVerifiedTokenCache, type VerifiedTokenCache } from "./verified-cache.js";

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
  /**
   * Signs an OpenID Connect ID token (header `typ` JWT, an `aud`, no `type` claim: `verify`
   * refuses it, so it never passes as an access token). `claims` gets the signing algorithm,
   * which `at_hash` depends on.
   */
  signIdToken(claims: (alg: string) => Record<string, unknown>, times: { issuedAt: number; expiresAt: number }): Promise<string>;
  /**
   * The claims of an ID token we signed with a key still live, expired or not (an
   * `id_token_hint` may be expired: OpenID Connect RP-Initiated Logout §2); `null` otherwise.
   */
  readIdTokenHint(token: string): Promise<JWTPayload | null>;
  keyring: Keyring;
};

/** How far ahead of our clock an `iat` may be (another process's clock may run a little fast). */
const MAX_CLOCK_SKEW_SECONDS = 60;

/** Verified tokens remembered per process: about 1 KB each. */
const VERIFIED_CACHE_SIZE = 4096;

/**
 * Signs and verifies our JWTs. A token's `iss` must be the issuer itself or the issuer followed
 * by one of `issuerPaths` (a front door that names the endpoint which issued the token).
 */
export function createJwtService(keyring: Keyring, issuer: string, issuerPaths: readonly string[] = []): JwtService {
  const accepted = new Set([issuer, ...issuerPaths.map((path) => `${issuer}${path}`)]);
  const cache = createVerifiedTokenCache(VERIFIED_CACHE_SIZE);
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
    verify: (token) => verifyCached(cache, keyring, accepted, token),
    async signIdToken(claims, times) {
      const key = await keyring.current();
      return new SignJWT({ iss: issuer, ...claims(key.alg) })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
        .setIssuedAt(times.issuedAt)
        .setExpirationTime(times.expiresAt)
        .sign(key.signingKey);
    },
    readIdTokenHint: (token) => readIdTokenHint(keyring, issuer, token),
  };
}

async function readIdTokenHint(keyring: Keyring, issuer: string, token: string): Promise<JWTPayload | null> {
  if (token.length > 8192 || token.split(".").length !== 3) return null;
  try {
    const { kid, typ } = decodeProtectedHeader(token);
    const key = typeof kid === "string" && kid.length <= 128 ? await keyring.find(kid) : undefined;
    if (!key || typ !== "JWT") return null;
    const { payload } = await compactVerify(token, key.verifyKey, { algorithms: [key.alg] });
    const text = new TextDecoder().decode(payload);
    if (findJsonProblem(text) !== null) return null;
    const claims = JSON.parse(text) as JWTPayload;
    const valid = claims.iss === issuer && typeof claims.aud === "string" && typeof claims.sub === "string";
    return valid ? claims : null;
  } catch {
    return null;
  }
}

/**
 * A token verified before needs no new signature check while its key is live; jose compares
 * `exp` with the clock in whole seconds, and so does the cache.
 */
async function verifyCached(
  cache: VerifiedTokenCache,
  keyring: Keyring,
  accepted: ReadonlySet<string>,
  token: string,
): ReturnType<JwtService["verify"]> {
  const hit = cache.get(token, Math.floor(Date.now() / 1000));
  if (hit) {
    if (!(await keyring.find(hit.kid))) return { ok: false, reason: "bad_signature" };
    return { ok: true, value: hit.value };
  }
  const result = await verifyJwt(keyring, accepted, token);
  if (result.ok) cache.remember(token, result.kid, result.value);
  return result.ok ? { ok: true, value: result.value } : result;
}

async function verifyJwt(
  keyring: Keyring,
  accepted: ReadonlySet<string>,
  token: string,
): Promise<{ ok: true; value: VerifiedJwt; kid: string } | { ok: false; reason: VerifyFailure }> {
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
      typeof payload.iss === "string" &&
      accepted.has(payload.iss) &&
      // We never issue `aud`: a token naming an audience was minted for someone else.
      payload.aud === undefined &&
      typeof payload.iat === "number" &&
      payload.iat <= Math.floor(Date.now() / 1000) + MAX_CLOCK_SKEW_SECONDS &&
      typeof payload.sid === "string" &&
      (typeof payload.sub === "string" || Number.isSafeInteger(payload.sub));
    if (!valid) return { ok: false as const, reason: "invalid_claims" as const };
    return { ok: true as const, value: { kind, claims: payload as VerifiedJwt["claims"] }, kid: key.kid };
  } catch (error) {
    return { ok: false as const, reason: classify(error) };
  }
}

const decodeSegment = (segment: string) => Buffer.from(segment, "base64url").toString("utf8");

function classify(error: unknown): VerifyFailure {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return "bad_signature";
  }
  if (error instanceof errors.JWTClaimValidationFailed) return "invalid_claims";
  return "malformed";
}
