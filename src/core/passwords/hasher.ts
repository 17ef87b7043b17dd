import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";

/** `Algorithm.Argon2id`; the enum is `const` and cannot be imported as a value here. */
const ARGON2ID = 2 as Algorithm;

export type HashParams = { memoryKib: number; iterations: number };

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  /** Verifies against a stored hash; `null` runs a dummy verification of equal cost. */
  verify(storedHash: string | null, password: string): Promise<boolean>;
  /** True when a stored hash uses weaker parameters than the current ones. */
  needsRehash(storedHash: string): boolean;
};

/**
 * Argon2id with a 16-byte random salt and the parameters stored in the hash. An unknown user
 * is verified against a dummy hash made with the same parameters, so both cost the same.
 */
export async function createPasswordHasher(params: HashParams): Promise<PasswordHasher> {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: 1,
  };
  const dummyHash = await hash(randomBytes(32).toString("base64url"), options);
  const current = `m=${params.memoryKib},t=${params.iterations},p=1`;
  return {
    hash: (password) => hash(password, options),
    async verify(storedHash, password) {
      if (storedHash === null || !storedHash.startsWith("$argon2id$")) {
        await verify(dummyHash, password).catch(() => false);
        return false;
      }
      try {
        return await verify(storedHash, password);
      } catch {
        return false;
      }
    },
    needsRehash: (storedHash) => !storedHash.includes(`$${current}$`),
  };
}
