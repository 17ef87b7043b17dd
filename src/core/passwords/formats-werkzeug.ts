/**
 * werkzeug's `generate_password_hash` formats (werkzeug.security), as its `check_password_hash`
 * reads them: `method$salt$hex`, where the salt string's UTF-8 bytes are the salt, the password's
 * UTF-8 bytes are hashed, and the hex is lower-case (werkzeug compares the hex text itself).
 */
import { decimal, HASH_COST_CAPS, type ParseResult, type Pbkdf2Digest, refused } from "./formats.js";

/** werkzeug's scrypt when the method names no parameters (`scrypt$…`): N=2^15, r=8, p=1. */
const WERKZEUG_SCRYPT_DEFAULTS = { n: 2 ** 15, r: 8, p: 1 };

/**
 * The iteration count werkzeug's own check applies to a `pbkdf2:sha256$…` hash, which names
 * none: its current `DEFAULT_PBKDF2_ITERATIONS` (1,000,000 since werkzeug 3.1). werkzeug itself
 * always writes the count it used, so such a hash was written by other code; one checked by an
 * older werkzeug (50,000 up to 0.14, 150,000 in 0.15–1.x, 260,000 in 2.0–2.2, 600,000 in
 * 2.3–3.0) needs its count written into the method before import (`pbkdf2:sha256:260000$…`).
 */
export const WERKZEUG_IMPLIED_PBKDF2_ITERATIONS = 1_000_000;

/** Bytes of each digest, and so of werkzeug's PBKDF2 output (`pbkdf2_hmac` without dklen). */
const DIGEST_BYTES: Record<Pbkdf2Digest, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/** werkzeug's scrypt output: `hashlib.scrypt`'s default dklen. */
const SCRYPT_KEY_BYTES = 64;

type Parts = { method: string[]; salt: Buffer; expected: Buffer };

/** Splits `method$salt$hex` as werkzeug does (at the first two `$`), checking salt and hex. */
function splitWerkzeug(hash: string, name: string): Parts | string {
  const first = hash.indexOf("$");
  const second = hash.indexOf("$", first + 1);
  if (first < 0 || second < 0) return `malformed werkzeug ${name} hash: expected method$salt$hex`;
  const salt = hash.slice(first + 1, second);
  const hex = hash.slice(second + 1);
  if (salt.length === 0 || salt.length > 256 || /\p{Cc}/u.test(salt)) {
    return `malformed werkzeug ${name} hash: the salt must be 1 to 256 printable characters`;
  }
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return `malformed werkzeug ${name} hash: the hash must be lower-case hex`;
  return { method: hash.slice(0, first).split(":"), salt: Buffer.from(salt, "utf8"), expected: Buffer.from(hex, "hex") };
}

/** `scrypt:N:r:p$salt$hex` (or `scrypt$salt$hex`, werkzeug's defaults), 64 bytes of output. */
export function parseWerkzeugScrypt(hash: string): ParseResult {
  const parts = splitWerkzeug(hash, "scrypt");
  if (typeof parts === "string") return refused(parts);
  const { method, salt, expected } = parts;
  if (method.length !== 1 && method.length !== 4) return refused("malformed werkzeug scrypt hash: expected scrypt:N:r:p");
  const defaults = WERKZEUG_SCRYPT_DEFAULTS;
  const [n, r, p] =
    method.length === 1 ? [defaults.n, defaults.r, defaults.p] : [decimal(method[1]), decimal(method[2]), decimal(method[3])];
  if (n === null || r === null || p === null)
    return refused("malformed werkzeug scrypt hash: N, r and p must be positive integers");
  if (n < 2 || (n & (n - 1)) !== 0) return refused("malformed werkzeug scrypt hash: N must be a power of two");
  if (expected.length !== SCRYPT_KEY_BYTES) return refused("malformed werkzeug scrypt hash: the hash must be 128 hex digits");
  const caps = HASH_COST_CAPS;
  if (n > caps.scryptN) return refused(`scrypt N=${n} exceeds the cap of 2^20 (${caps.scryptN})`);
  const memory = 128 * n * r;
  const mib = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MiB`;
  if (memory > caps.scryptMemoryBytes) {
    return refused(`scrypt memory 128·N·r = ${mib(memory)} exceeds the cap of ${mib(caps.scryptMemoryBytes)}`);
  }
  if (memory * p > caps.scryptWorkBytes) {
    return refused(`scrypt work 128·N·r·p = ${mib(memory * p)} exceeds the cap of ${mib(caps.scryptWorkBytes)}`);
  }
  return { ok: true, hash: { kind: "scrypt", scheme: "scrypt", n, r, p, salt, expected } };
}

/**
 * `pbkdf2:DIGEST:ITERATIONS$salt$hex`, also `pbkdf2:DIGEST$…` and `pbkdf2$…` (SHA-256), with the
 * count werkzeug's check implies. werkzeug takes any `hashlib` digest; the SHA-1 and SHA-2 ones
 * are accepted here, the rest (md5, sha3, blake2) refused.
 */
export function parseWerkzeugPbkdf2(hash: string): ParseResult {
  const parts = splitWerkzeug(hash, "pbkdf2");
  if (typeof parts === "string") return refused(parts);
  const { method, salt, expected } = parts;
  if (method.length > 3) return refused("malformed werkzeug pbkdf2 hash: expected pbkdf2:DIGEST:ITERATIONS");
  const digest = method[1] ?? "sha256";
  if (!Object.hasOwn(DIGEST_BYTES, digest)) {
    return refused(
      `werkzeug pbkdf2 with digest "${digest.slice(0, 20)}" is not supported (sha1, sha224, sha256, sha384, sha512)`,
    );
  }
  const iterations = method.length === 3 ? decimal(method[2]) : WERKZEUG_IMPLIED_PBKDF2_ITERATIONS;
  if (iterations === null) return refused("malformed werkzeug pbkdf2 hash: the iteration count must be a positive integer");
  const known = digest as Pbkdf2Digest;
  if (expected.length !== DIGEST_BYTES[known]) {
    return refused(`malformed werkzeug pbkdf2 hash: a ${digest} hash has ${DIGEST_BYTES[known] * 2} hex digits`);
  }
  if (iterations > HASH_COST_CAPS.pbkdf2Iterations) {
    return refused(`pbkdf2 iterations ${iterations} exceed the cap of ${HASH_COST_CAPS.pbkdf2Iterations}`);
  }
  return { ok: true, hash: { kind: "pbkdf2", scheme: `pbkdf2-${known}`, digest: known, iterations, salt, expected } };
}
