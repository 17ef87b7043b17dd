import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the bytes of the secret after its
 * `whsec_` prefix (base64).
 */

const PREFIX = "whsec_";

/** A new endpoint secret: 32 random bytes. */
export const newWebhookSecret = (): string => PREFIX + randomBytes(32).toString("base64");

/** A secret given by an operator must be one: `whsec_` and 24 to 64 bytes in base64. */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const encoded = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const bytes = Buffer.from(encoded, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/** The three headers of one delivery attempt (the timestamp is the attempt's, the id the event's). */
export function signedHeaders(secret: string, id: string, at: number, body: string): Record<string, string> {
  const timestamp = Math.floor(at / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(secret, id, timestamp, body),
  };
}
