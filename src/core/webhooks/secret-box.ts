import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Endpoint secrets are needed to sign, so they are stored recoverably: AES-256-GCM under a
 * server key kept in `server_secrets` beside the secret-hashing key, bound to their endpoint's
 * id (the additional data), so a sealed secret copied to another row does not open.
 */
export type SecretBox = { seal(endpointId: string, secret: string): string; open(endpointId: string, sealed: string): string };

const VERSION = "v1";

export function createSecretBox(serverKey: string): SecretBox {
  const key = Buffer.from(serverKey, "base64url");
  if (key.length !== 32) throw new Error("the webhook secret key must be 32 bytes");
  return {
    seal(endpointId, secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(endpointId));
      const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
    },
    open(endpointId, sealed) {
      const [version, encoded = ""] = sealed.split(".");
      if (version !== VERSION) throw new Error("unknown sealed secret format");
      const bytes = Buffer.from(encoded, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12)).setAAD(Buffer.from(endpointId));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}
