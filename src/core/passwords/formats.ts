/**
 * The stored password hash formats Gatehouse understands. Argon2id is its own; the others are
 * what the originals wrote, accepted at import and replaced by Argon2id at the first login.
 * Parsing is strict: a hash is either understood completely, with a cost that a login can
 * afford, or refused with a reason the operator can act on (import's rejects file shows it).
 */
import { parseSpringHash } from "./formats-spring.js";
import { parseWerkzeugPbkdf2, parseWerkzeugScrypt } from "./formats-werkzeug.js";

export type HashInspection = { ok: true; scheme: string } | { ok: false; reason: string };

/**
 * The most a stored hash may cost to verify. Each is about one to two seconds of one core on
 * a small machine (bcrypt 14 ≈ 1 s, PBKDF2-SHA256 at 2,000,000 ≈ 0.7 s, scrypt at 256 MiB
 * ≈ 0.8 s); beyond them a flood of logins against one imported account would be a denial of
 * service, since every verification holds a slot of the hash pool (and its memory) that long.
 */
export const HASH_COST_CAPS = {
  bcryptCost: 14,
  pbkdf2Iterations: 2_000_000,
  scryptN: 2 ** 20,
  /** scrypt's memory, 128·N·r bytes: werkzeug's default (N=2^15, r=8) takes 32 MiB. */
  scryptMemoryBytes: 256 * 2 ** 20,
  /** scrypt's work, 128·N·r·p bytes: p runs the memory-hard loop p times over. */
  scryptWorkBytes: 512 * 2 ** 20,
  /** Argon2id's m (KiB): 256 MiB; common defaults are 19 MiB (OWASP) to 64 MiB (argon2-cffi, PHP). */
  argon2MemoryKib: 262_144,
  argon2Iterations: 16,
  argon2Parallelism: 16,
  /** m·t (KiB): 256 MiB twice over, or 64 MiB eight times. */
  argon2WorkKib: 524_288,
} as const;

export type Pbkdf2Digest = "sha1" | "sha224" | "sha256" | "sha384" | "sha512";

/** A hash understood completely: what verifying it needs, and the scheme an audit record names. */
export type ParsedHash =
  | { kind: "argon2id"; scheme: "argon2id"; encoded: string }
  | { kind: "bcrypt"; scheme: "bcrypt"; encoded: string }
  | { kind: "scrypt"; scheme: "scrypt"; n: number; r: number; p: number; salt: Buffer; expected: Buffer }
  | { kind: "pbkdf2"; scheme: `pbkdf2-${Pbkdf2Digest}`; digest: Pbkdf2Digest; iterations: number; salt: Buffer; expected: Buffer }
  | { kind: "noop"; scheme: "noop"; plaintext: string };

export type ParseResult = { ok: true; hash: ParsedHash } | { ok: false; reason: string };

export const refused = (reason: string): ParseResult => ({ ok: false, reason });

/** Longer than any supported hash; refused before any pattern runs over it. */
const MAX_HASH_LENGTH = 1024;

const SUPPORTED =
  "supported: argon2id, werkzeug scrypt and pbkdf2, bcrypt $2a$/$2b$/$2y$, Spring {bcrypt}, {noop}, {pbkdf2}, {argon2}";

/** What a stored hash is, and whether it can be verified at an acceptable cost (import's check). */
export function inspectHash(hash: string): HashInspection {
  const parsed = parseHash(hash);
  return parsed.ok ? { ok: true, scheme: parsed.hash.scheme } : parsed;
}

/** The full parse behind `inspectHash`, with what the verifier needs. */
export function parseHash(hash: string): ParseResult {
  if (typeof hash !== "string" || hash.length === 0) return refused("empty password hash");
  if (hash.length > MAX_HASH_LENGTH) return refused(`password hash longer than ${MAX_HASH_LENGTH} characters`);
  if (hash.startsWith("$argon2id$")) return parseArgon2id(hash);
  if (/^\$2[aby]\$/.test(hash)) return parseBcrypt(hash);
  if (hash.startsWith("{")) return parseSpringHash(hash);
  if (hash.startsWith("scrypt:") || hash.startsWith("scrypt$")) return parseWerkzeugScrypt(hash);
  if (hash.startsWith("pbkdf2:") || hash.startsWith("pbkdf2$")) return parseWerkzeugPbkdf2(hash);
  if (hash.startsWith("$2x$")) return refused("bcrypt $2x$ (crypt_blowfish's buggy 8-bit variant) is not supported");
  if (/^\$argon2(i|d)\$/.test(hash)) return refused("only argon2id is supported, not argon2i or argon2d");
  return refused(`unknown password hash format (${SUPPORTED})`);
}

/** A decimal without sign, spaces or leading zeros (the originals never write those). */
export function decimal(text: string | undefined): number | null {
  return text !== undefined && /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
}

const PHC_BASE64 = /^[A-Za-z0-9+/]+$/;
const phcBytes = (text: string) => Math.floor((text.length * 3) / 4);

/** `$argon2id$v=19$m=…,t=…,p=…$salt$hash` as the PHC string format writes it, within the caps. */
export function parseArgon2id(hash: string): ParseResult {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(hash);
  if (!match) return refused("malformed argon2id hash: expected $argon2id$v=19$m=…,t=…,p=…$salt$hash");
  const [m, t, p] = [decimal(match[1]), decimal(match[2]), decimal(match[3])];
  const [salt, output] = [match[4] ?? "", match[5] ?? ""];
  if (m === null || t === null || p === null) return refused("malformed argon2id hash: bad m, t or p");
  if (!PHC_BASE64.test(salt) || !PHC_BASE64.test(output) || salt.length % 4 === 1 || output.length % 4 === 1) {
    return refused("malformed argon2id hash: salt or hash is not unpadded base64");
  }
  if (phcBytes(salt) < 8 || phcBytes(salt) > 64) return refused("malformed argon2id hash: salt must be 8 to 64 bytes");
  if (phcBytes(output) < 16 || phcBytes(output) > 64) return refused("malformed argon2id hash: hash must be 16 to 64 bytes");
  if (m < 8 * p) return refused("malformed argon2id hash: m must be at least 8·p KiB");
  const caps = HASH_COST_CAPS;
  if (m > caps.argon2MemoryKib) return refused(`argon2id m=${m} KiB exceeds the cap of ${caps.argon2MemoryKib} KiB`);
  if (t > caps.argon2Iterations) return refused(`argon2id t=${t} exceeds the cap of ${caps.argon2Iterations}`);
  if (p > caps.argon2Parallelism) return refused(`argon2id p=${p} exceeds the cap of ${caps.argon2Parallelism}`);
  if (m * t > caps.argon2WorkKib) return refused(`argon2id m·t=${m * t} KiB exceeds the cap of ${caps.argon2WorkKib} KiB`);
  return { ok: true, hash: { kind: "argon2id", scheme: "argon2id", encoded: hash } };
}

/**
 * `$2a$`, `$2b$` or `$2y$`, two cost digits, 53 characters of bcrypt's base64 (22 of salt, 31
 * of hash). The three prefixes verify alike: `$2y$` is PHP's name for the corrected `$2a$`.
 */
export function parseBcrypt(hash: string): ParseResult {
  const match = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash);
  if (!match) return refused("malformed bcrypt hash: expected $2b$NN$ and 53 characters of bcrypt base64");
  const cost = Number(match[1]);
  if (cost < 4) return refused(`malformed bcrypt hash: cost ${cost} is below bcrypt's minimum of 4`);
  if (cost > HASH_COST_CAPS.bcryptCost) return refused(`bcrypt cost ${cost} exceeds the cap of ${HASH_COST_CAPS.bcryptCost}`);
  return { ok: true, hash: { kind: "bcrypt", scheme: "bcrypt", encoded: hash } };
}
