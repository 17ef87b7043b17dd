import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { parseHash } from "./formats.js";
import { createHashPool, type HashPoolLimits, type HashPoolMetrics } from "./hash-pool.js";
import { verifyLegacy } from "./legacy-verify.js";

/** `Algorithm.Argon2id`; the enum is `const` and cannot be imported as a value here. */
const ARGON2ID = 2 as Algorithm;

export type HashParams = { memoryKib: number; iterations: number };

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  /**
   * Verifies against a stored hash of any format `inspectHash` accepts; `null`, or a hash it
   * refuses, runs a dummy Argon2id verification of equal cost and answers false.
   */
  verify(storedHash: string | null, password: string): Promise<boolean>;
  /** True when a stored hash is not Argon2id with the current parameters (an imported one, say). */
  needsRehash(storedHash: string): boolean;
  /** The scheme a stored hash uses (`argon2id`, `scrypt`, `bcrypt`, …), as an audit record names it. */
  schemeOf(storedHash: string): string;
  /** True while the hashing queue is full and a new hash or verification would be refused. */
  saturated(): boolean;
};

/**
 * Argon2id with a 16-byte random salt and the parameters stored in the hash. An unknown user
 * is verified against a dummy hash made with the same parameters, so both cost the same.
 * Imported hashes (werkzeug, bcrypt, Spring; see formats.ts) verify through the same pool.
 */
export async function createPasswordHasher(
  params: HashParams,
  limits: HashPoolLimits,
  metrics?: HashPoolMetrics,
): Promise<PasswordHasher> {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: 1,
  };
  const dummyHash = dummyArgon2idHash(params);
  const current = `m=${params.memoryKib},t=${params.iterations},p=1`;
  const pool = createHashPool(limits, metrics);
  return {
    hash: (password) => pool.run(() => hash(password, options)),
    async verify(storedHash, password) {
      const parsed = storedHash === null ? null : parseHash(storedHash);
      const dummy = () => verify(dummyHash, password).catch(() => false);
      if (!parsed?.ok) {
        await pool.run(dummy);
        return false;
      }
      const stored = parsed.hash;
      if (stored.kind === "argon2id") return pool.run(() => verify(stored.encoded, password).catch(() => false));
      // A plaintext comparison costs nothing: it pays a dummy Argon2id run, so that its answer
      // comes no sooner than an unknown user's.
      if (stored.kind === "noop") return pool.run(() => dummy().then(() => verifyLegacy(stored, password)));
      return pool.run(() => verifyLegacy(stored, password).catch(() => false));
    },
    needsRehash: (storedHash) => !(storedHash.startsWith("$argon2id$") && storedHash.includes(`$${current}$`)),
    schemeOf(storedHash) {
      const parsed = parseHash(storedHash);
      return parsed.ok ? parsed.hash.scheme : "unrecognised";
    },
    saturated: pool.full,
  };
}

/**
 * A well-formed Argon2id hash of no password, with the current parameters: verifying against it
 * costs exactly what verifying a real hash costs. Random salt and output, so no password matches
 * it; built without running Argon2id, which would cost start-up time and a hash's memory at idle.
 */
function dummyArgon2idHash(params: HashParams): string {
  const phcBase64 = (bytes: number) => randomBytes(bytes).toString("base64").replace(/=+$/, "");
  return `$argon2id$v=19$m=${params.memoryKib},t=${params.iterations},p=1$${phcBase64(16)}$${phcBase64(32)}`;
}
