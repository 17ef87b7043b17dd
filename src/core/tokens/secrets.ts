import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A URL-safe random string carrying `bytes` bytes of CSPRNG output. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString("base64url");

export const createSecretHash =
  (key: string) =>
  (secret: string): string =>
    createHmac("sha256", key).update(secret).digest("base64url");

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Splits an opaque `id.secret` token; `null` when it does not have that shape. */
export function splitOpaqueToken(token: string): { id: string; secret: string } | null {
  const match = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{32,128})$/.exec(token);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : null;
}
