import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { createHashPool, type HashPoolLimits } from "./hash-pool.js";

/** `Algorithm.Argon2id`; the enum is `const` and cannot be imported as a value here. */
const ARGON2ID = 2 as Algorithm;

export type HashParams = { memoryKib: number; iterations: number };

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  /** Verifies against a stored hash; `null` runs a dummy verification of equal cost. */
  verify(storedHash: string | null, password: string): Promise<boolean>;
  /** True when a stored hash uses weaker parameters than the current ones. */
  needsRehash(storedHash: string): boolean;
  /** True while the hashing queue is full and a new hash or verification would be refused. */
  saturated(): boolean;
};

/**
 * Argon2id with a 16-byte random salt and the parameters stored in the hash. An unknown user
 * is verified against a dummy hash made with the same parameters, so both cost the same.
 */
export async function createPasswordHasher(params: HashParams, limits: HashPoolLimits): Promise<PasswordHasher> {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: 1,
  };
  const dummyHash = dummyArgon2idHash(params);
  const current = `m=${params.memoryKib},t=${params.iterations},p=1`;
  const pool = createHashPool(limits);
  return {
    hash: (password) => pool.run(() => hash(password, options)),
    async verify(storedHash, password) {
      if (storedHash === null || !storedHash.startsWith("$argon2id$")) {
        await pool.run(() => verify(dummyHash, password).catch(() => false));
        return false;
      }
      return pool.run(() => verify(storedHash, password).catch(() => false));
    },
    needsRehash: (storedHash) => !storedHash.includes(`$${current}$`),
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
