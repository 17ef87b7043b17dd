import { createHash, pbkdf2, scrypt, timingSafeEqual } from "node:crypto";
import { verify as bcryptVerify } from "@node-rs/bcrypt";
import type { ParsedHash } from "./formats.js";

type LegacyHash = Exclude<ParsedHash, { kind: "argon2id" }>;

/**
 * Verifies a password against an imported hash that `parseHash` accepted, off the event loop:
 * scrypt and PBKDF2 run on libuv's thread pool (node:crypto's asynchronous forms), bcrypt on
 * the binding's own. Derived keys are compared in constant time. The password is hashed as the
 * originals hashed it: its UTF-8 bytes (bcrypt: the first 72 of them, as bcrypt always did).
 * Rejects only on an internal failure, which the caller treats as a mismatch.
 */
export async function verifyLegacy(hash: LegacyHash, password: string): Promise<boolean> {
  switch (hash.kind) {
    case "bcrypt":
      return bcryptVerify(password, hash.encoded);
    case "scrypt":
      return sameBytes(await scryptKey(password, hash), hash.expected);
    case "pbkdf2":
      return sameBytes(await pbkdf2Key(password, hash), hash.expected);
    case "noop":
      return sameText(password, hash.plaintext);
  }
}

function scryptKey(password: string, hash: Extract<ParsedHash, { kind: "scrypt" }>): Promise<Buffer> {
  const { n, r, p, salt, expected } = hash;
  // OpenSSL refuses more than maxmem (32 MiB by default): it needs 128·r·(N + p + 2) bytes.
  // The caps in formats.ts have bounded N, r and p already.
  const maxmem = 128 * r * (n + p + 2) + 2 ** 20;
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(password, "utf8"), salt, expected.length, { N: n, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function pbkdf2Key(password: string, hash: Extract<ParsedHash, { kind: "pbkdf2" }>): Promise<Buffer> {
  const { digest, iterations, salt, expected } = hash;
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, "utf8"), salt, iterations, expected.length, digest, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Equal texts, in time independent of where they differ and of their lengths (digests compared). */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b)) && a === b;
}
