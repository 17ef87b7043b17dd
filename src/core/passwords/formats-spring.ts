/**
 * Spring Security's DelegatingPasswordEncoder: `{id}encoded`, with the encoders that
 * `PasswordEncoderFactories.createDelegatingPasswordEncoder()` registers under each id. Only
 * what can be identified from the stored text alone is accepted; an encoder configured with
 * other settings under a default id (another salt length, base64 instead of hex) is refused, and
 * one configured with a `secret` (a pepper kept outside the database) cannot be told apart and
 * will not verify.
 */
import { parseArgon2id, parseBcrypt, type ParseResult, type Pbkdf2Digest, refused } from "./formats.js";

type SpringPbkdf2 = { digest: Pbkdf2Digest; iterations: number; saltBytes: number; keyBytes: number };

/**
 * Pbkdf2PasswordEncoder's defaults, hex of salt ‖ key. `{pbkdf2}` is what Spring Security 5.0–5.7
 * wrote (`new Pbkdf2PasswordEncoder()`) and 5.8+ still reads as `defaultsForSpringSecurity_v5_5`:
 * SHA-1, 185,000 iterations, an 8-byte salt, a 256-bit key. `{pbkdf2@SpringSecurity_v5_8}` is
 * `defaultsForSpringSecurity_v5_8`: SHA-256, 310,000 iterations, a 16-byte salt, a 256-bit key.
 * The PBKDF2 salt is the stored salt followed by the encoder's secret (empty by default).
 */
const SPRING_PBKDF2: Record<string, SpringPbkdf2> = {
  pbkdf2: { digest: "sha1", iterations: 185_000, saltBytes: 8, keyBytes: 32 },
  "pbkdf2@SpringSecurity_v5_8": { digest: "sha256", iterations: 310_000, saltBytes: 16, keyBytes: 32 },
};

/** `{bcrypt}`, `{noop}`, `{pbkdf2}`, `{pbkdf2@SpringSecurity_v5_8}`, `{argon2}` and `{argon2@…}`. */
export function parseSpringHash(hash: string): ParseResult {
  const close = hash.indexOf("}");
  if (close < 0) return refused("malformed Spring hash: expected {id}encoded");
  const id = hash.slice(1, close);
  const encoded = hash.slice(close + 1);
  if (id === "bcrypt") return parseBcrypt(encoded);
  if (id === "noop") {
    // Spring compares the text as is; an empty one would let anyone in with an empty password.
    if (encoded.length === 0) return refused("Spring {noop} hash with an empty password");
    return { ok: true, hash: { kind: "noop", scheme: "noop", plaintext: encoded } };
  }
  if (id === "argon2" || id === "argon2@SpringSecurity_v5_8") {
    // Argon2PasswordEncoder writes a standard PHC string; the parameters are in it.
    return encoded.startsWith("$argon2id$")
      ? parseArgon2id(encoded)
      : refused("Spring {argon2} is supported for argon2id hashes only");
  }
  const pbkdf2 = Object.hasOwn(SPRING_PBKDF2, id) ? SPRING_PBKDF2[id] : undefined;
  if (pbkdf2) return parseSpringPbkdf2(id, encoded, pbkdf2);
  return refused(`Spring's {${id.slice(0, 40)}} encoder is not supported (supported: {bcrypt}, {noop}, {pbkdf2}, {argon2})`);
}

function parseSpringPbkdf2(id: string, encoded: string, spec: SpringPbkdf2): ParseResult {
  const digits = (spec.saltBytes + spec.keyBytes) * 2;
  // Spring's Hex.decode takes either case.
  if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(encoded)) {
    return refused(
      `Spring {${id}} is supported in its default form only: ${digits} hex digits ` +
        `(a ${spec.saltBytes}-byte salt and a ${spec.keyBytes}-byte ${spec.digest.toUpperCase()} key)`,
    );
  }
  const bytes = Buffer.from(encoded, "hex");
  return {
    ok: true,
    hash: {
      kind: "pbkdf2",
      scheme: `pbkdf2-${spec.digest}`,
      digest: spec.digest,
      iterations: spec.iterations,
      salt: bytes.subarray(0, spec.saltBytes),
      expected: bytes.subarray(spec.saltBytes),
    },
  };
}
