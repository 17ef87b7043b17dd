import { createHash } from "node:crypto";
import type { UserRecord } from "../ports.js";

/** The scopes OpenID Connect gives meaning to (OIDC Core §5.4, §11). */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

/** Every claim an ID token or the UserInfo endpoint may carry. */
export const CLAIMS_SUPPORTED = [
  "iss",
  "sub",
  "aud",
  "exp",
  "iat",
  "auth_time",
  "nonce",
  "sid",
  "at_hash",
  "name",
  "preferred_username",
  "updated_at",
  "email",
  "email_verified",
] as const;

export const scopeWords = (scope: string): string[] => scope.split(" ").filter((word) => word.length > 0);

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The user's claims that the granted scope allows (OIDC Core §5.4); `sub` always. */
export function userClaims(user: UserRecord, scope: string): Record<string, unknown> {
  const granted = new Set(scopeWords(scope));
  const claims: Record<string, unknown> = { sub: user.id };
  if (granted.has("profile")) {
    claims.name = user.displayName ?? user.username;
    claims.preferred_username = user.username;
    claims.updated_at = seconds(user.updatedAt);
  }
  if (granted.has("email") && user.email !== null) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}

/** The hash each signing algorithm's `at_hash` takes (OIDC Core §3.1.3.6; Ed25519: SHA-512). */
const AT_HASH: Record<string, string> = { RS256: "sha256", ES256: "sha256", HS256: "sha256", EdDSA: "sha512" };

/** `at_hash`: the left half of the access token's hash, base64url-encoded. */
export function accessTokenHash(accessToken: string, alg: string): string {
  const digest = createHash(AT_HASH[alg] ?? "sha256")
    .update(accessToken, "ascii")
    .digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}
