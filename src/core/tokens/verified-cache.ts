import type { VerifiedJwt } from "./jwt.js";

type Entry = { value: VerifiedJwt; kid: string; expiresAt: number };

export type VerifiedTokenCache = {
  /** The verified token, unless it has expired since (or was never seen). */
  get(token: string, nowSeconds: number): { value: VerifiedJwt; kid: string } | undefined;
  remember(token: string, kid: string, value: VerifiedJwt): void;
};

/**
 * Tokens whose signature and claims have already verified, kept by their exact text. A resource
 * server introspects the same bearer token on every request it serves; a hit spares the
 * signature check, which costs more than the rest of the request. What a hit does not spare:
 * expiry (checked here), the key still being live and the session behind the token (checked by
 * the callers on every request, so revocation and key retirement still act at once).
 * Bounded: the least recently used token is dropped beyond `capacity`.
 */
export function createVerifiedTokenCache(capacity: number): VerifiedTokenCache {
  const entries = new Map<string, Entry>();
  return {
    get(token, nowSeconds) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      entries.delete(token);
      if (entry.expiresAt <= nowSeconds) return undefined;
      entries.set(token, entry);
      return entry;
    },
    remember(token, kid, value) {
      if (capacity <= 0) return;
      entries.delete(token);
      const exp: unknown = value.claims.exp;
      entries.set(token, { value, kid, expiresAt: typeof exp === "number" ? exp : 0 });
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    },
  };
}
