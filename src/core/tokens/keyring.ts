import { createHash } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyObject } from "jose";
import type { KeyRepository, SigningKeyRecord } from "../ports.js";
import type { CoreLogger } from "../context.js";

export type SigningAlg = "EdDSA" | "ES256" | "RS256" | "HS256";

type Key = CryptoKey | KeyObject | Uint8Array;

/** One key with its pinned algorithm: a token is verified only with the algorithm of its key. */
export type SigningKey = { kid: string; alg: SigningAlg; signingKey: Key; verifyKey: Key; publicJwk: JWK | null };

/** Which algorithm signs, and how long a superseded key keeps verifying. */
export type KeyPolicy = { alg: SigningAlg; retentionMs: number };

/** A stored key's place in its lifecycle; no key material. */
export type KeyStatus = {
  kid: string;
  alg: string;
  createdAt: number;
  /** The key this configuration signs with: the newest one of the configured algorithm. */
  current: boolean;
  /** When the key stops being published and accepted; `null` while nothing supersedes it. */
  retiresAt: number | null;
  retired: boolean;
};

export type Keyring = {
  policy: KeyPolicy;
  /** The signing key; the keys are re-read from the database when the cached set is a few seconds old. */
  current(): Promise<SigningKey>;
  /** The live (non-retired) key with this `kid`; an unknown `kid` triggers an early, throttled reload. */
  find(kid: string): Promise<SigningKey | undefined>;
  /** Public keys of every live key, for `/.well-known/jwks.json`. */
  publicJwks(): Promise<JWK[]>;
  /** Re-reads the keys now, e.g. right after this process stored a new one. */
  reload(): Promise<void>;
};

/** How old the cached keys may get: a key rotated by another process is in use here within this time. */
export const RELOAD_INTERVAL_MS = 5_000;
/** Minimum gap between reloads caused by a `kid` we do not know (bounds what forged tokens can cost us). */
const MISS_RELOAD_INTERVAL_MS = 1_000;

/**
 * Lifecycle of stored keys, given newest first (the repository's order). A key is superseded by
 * the next newer key and retires `retentionMs` after that key was created, plus one reload
 * interval: processes that have not yet reloaded keep signing with the old key for that long.
 * The current key never retires, whatever other processes may have stored after it.
 */
export function keyStatuses(records: readonly SigningKeyRecord[], policy: KeyPolicy, now: number): KeyStatus[] {
  const currentKid = records.find((record) => record.alg === policy.alg)?.kid;
  return records.map((record, index) => {
    const successor = records[index - 1];
    const current = record.kid === currentKid;
    const retiresAt = successor && !current ? successor.createdAt + policy.retentionMs + RELOAD_INTERVAL_MS : null;
    return {
      kid: record.kid,
      alg: record.alg,
      createdAt: record.createdAt,
      current,
      retiresAt,
      retired: retiresAt !== null && now > retiresAt,
    };
  });
}

/** A fresh key pair of `alg`, ready to store; its `kid` is the RFC 7638 thumbprint. */
export async function createKeyRecord(alg: Exclude<SigningAlg, "HS256">, createdAt: number): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === "EdDSA" ? "Ed25519" : undefined,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: "sig" }),
    privateJwk: JSON.stringify(await exportJWK(privateKey)),
    createdAt,
  };
}

export async function createKeyring(options: {
  keys: KeyRepository;
  alg: SigningAlg;
  hmacSecret: string;
  now: () => number;
  /** How long a superseded key keeps verifying: at least the longest token lifetime. */
  retentionSeconds: number;
  log: CoreLogger;
}): Promise<Keyring> {
  const policy: KeyPolicy = { alg: options.alg, retentionMs: options.retentionSeconds * 1000 };
  if (policy.alg === "HS256") return hmacKeyring(options.hmacSecret, policy);
  const { keys, now, log } = options;
  let loaded = await loadKeys(await ensureKey(keys, policy.alg, now), policy, now(), new Map());
  let loadedAt = now();
  let pending: Promise<void> | null = null;
  let lastMissReload = Number.NEGATIVE_INFINITY;

  // One reload at a time; callers arriving meanwhile share it. It never rejects: when the
  // database is unreachable we keep serving with the keys we have and try again later.
  const reloadOnce = (): Promise<void> => {
    pending ??= (async () => {
      try {
        loaded = await loadKeys(await keys.list(), policy, now(), loaded.entries);
      } catch (error) {
        log.warn({ err: error }, "signing keys could not be reloaded; using the cached keys");
      }
    })().finally(() => {
      loadedAt = now();
      pending = null;
    });
    return pending;
  };
  const fresh = async (maxAgeMs: number) => {
    if (now() - loadedAt >= maxAgeMs) await reloadOnce();
  };
  const live = (kid: string) => {
    const entry = loaded.entries.get(kid);
    return entry && (entry.retiresAt === null || now() <= entry.retiresAt) ? entry : undefined;
  };

  return {
    policy,
    async current() {
      await fresh(RELOAD_INTERVAL_MS);
      return loaded.current;
    },
    async find(kid) {
      await fresh(RELOAD_INTERVAL_MS);
      // Throttled on its own clock, not the last reload's: a process that has just started (or
      // reloaded) must still learn at once of a key another process created meanwhile, as when
      // several processes start together on a fresh database and each stores a first key.
      if (!loaded.entries.has(kid) && now() - lastMissReload >= MISS_RELOAD_INTERVAL_MS) {
        lastMissReload = now();
        await reloadOnce();
      }
      return live(kid)?.key;
    },
    async publicJwks() {
      await fresh(RELOAD_INTERVAL_MS);
      return [...loaded.entries.keys()].flatMap((kid) => {
        const jwk = live(kid)?.key.publicJwk;
        return jwk ? [jwk] : [];
      });
    },
    async reload() {
      // A reload already under way may have read the keys before the caller's change.
      await pending;
      await reloadOnce();
    },
  };
}

function hmacKeyring(secret: string, policy: KeyPolicy): Keyring {
  const kid = `hs-${createHash("sha256").update(secret).digest("base64url").slice(0, 16)}`;
  const bytes = new TextEncoder().encode(secret);
  const key: SigningKey = { kid, alg: "HS256", signingKey: bytes, verifyKey: bytes, publicJwk: null };
  return {
    policy,
    current: async () => key,
    find: async (wanted) => (wanted === kid ? key : undefined),
    publicJwks: async () => [],
    reload: async () => {},
  };
}

type Entry = { key: SigningKey; retiresAt: number | null };
type Loaded = { current: SigningKey; entries: Map<string, Entry> };

/** The stored keys, newest first; creates the first key of `alg` when there is none. */
async function ensureKey(keys: KeyRepository, alg: Exclude<SigningAlg, "HS256">, now: () => number) {
  const records = await keys.list();
  if (records.some((record) => record.alg === alg)) return records;
  await keys.insert(await createKeyRecord(alg, now()));
  return keys.list();
}

/**
 * Imports every live key (reusing the ones imported before: stored keys never change). The
 * newest key of the configured algorithm signs; every live key verifies, whatever its algorithm.
 */
async function loadKeys(
  records: SigningKeyRecord[],
  policy: KeyPolicy,
  now: number,
  previous: Map<string, Entry>,
): Promise<Loaded> {
  const entries = new Map<string, Entry>();
  let current: SigningKey | undefined;
  for (const [index, status] of keyStatuses(records, policy, now).entries()) {
    if (status.retired) continue;
    const record = records[index] as SigningKeyRecord;
    const key = previous.get(status.kid)?.key ?? (await importKey(record));
    entries.set(status.kid, { key, retiresAt: status.retiresAt });
    if (status.current) current = key;
  }
  if (!current) throw new Error(`no signing key for ${policy.alg}`);
  return { current, entries };
}

async function importKey(record: SigningKeyRecord): Promise<SigningKey> {
  const publicJwk = JSON.parse(record.publicJwk) as JWK;
  return {
    kid: record.kid,
    alg: record.alg as SigningAlg,
    signingKey: await importJWK(JSON.parse(record.privateJwk) as JWK, record.alg),
    verifyKey: await importJWK(publicJwk, record.alg),
    publicJwk,
  };
}
