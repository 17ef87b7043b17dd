import { createHash } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyObject } from "jose";
import type { KeyRepository } from "../../store/ports.js";

export type SigningAlg = "EdDSA" | "ES256" | "RS256" | "HS256";

type Key = CryptoKey | KeyObject | Uint8Array;

/** One key with its pinned algorithm: a token is verified only with the algorithm of its key. */
export type SigningKey = { kid: string; alg: SigningAlg; signingKey: Key; verifyKey: Key; publicJwk: JWK | null };

export type Keyring = {
  current(): SigningKey;
  /** The key with this `kid`; reloads from the database (at most every few seconds) on a miss. */
  find(kid: string): Promise<SigningKey | undefined>;
  /** Public keys only, for `/.well-known/jwks.json`. */
  publicJwks(): JWK[];
};

const RELOAD_INTERVAL_MS = 5_000;

export async function createKeyring(options: {
  keys: KeyRepository;
  alg: SigningAlg;
  hmacSecret: string;
  now: () => number;
}): Promise<Keyring> {
  if (options.alg === "HS256") return hmacKeyring(options.hmacSecret);
  let loaded = await loadOrCreate(options.keys, options.alg, options.now);
  let loadedAt = options.now();
  return {
    current: () => loaded.current,
    async find(kid) {
      const known = loaded.byKid.get(kid);
      if (known || options.now() - loadedAt < RELOAD_INTERVAL_MS) return known;
      loadedAt = options.now();
      loaded = await load(options.keys, options.alg);
      return loaded.byKid.get(kid);
    },
    publicJwks: () => [...loaded.byKid.values()].flatMap((key) => (key.publicJwk ? [key.publicJwk] : [])),
  };
}

function hmacKeyring(secret: string): Keyring {
  const kid = `hs-${createHash("sha256").update(secret).digest("base64url").slice(0, 16)}`;
  const bytes = new TextEncoder().encode(secret);
  const key: SigningKey = { kid, alg: "HS256", signingKey: bytes, verifyKey: bytes, publicJwk: null };
  return { current: () => key, find: async (wanted) => (wanted === kid ? key : undefined), publicJwks: () => [] };
}

type Loaded = { current: SigningKey; byKid: Map<string, SigningKey> };

async function loadOrCreate(keys: KeyRepository, alg: SigningAlg, now: () => number): Promise<Loaded> {
  const rows = await keys.list();
  if (!rows.some((row) => row.alg === alg)) {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      crv: alg === "EdDSA" ? "Ed25519" : undefined,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await keys.insert({
      kid,
      alg,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: "sig" }),
      privateJwk: JSON.stringify(await exportJWK(privateKey)),
      createdAt: now(),
    });
  }
  return load(keys, alg);
}

async function load(keys: KeyRepository, alg: SigningAlg): Promise<Loaded> {
  const byKid = new Map<string, SigningKey>();
  let current: SigningKey | undefined;
  // Newest first: the newest key of the configured algorithm signs; every stored key verifies.
  for (const row of await keys.list()) {
    const publicJwk = JSON.parse(row.publicJwk) as JWK;
    const key: SigningKey = {
      kid: row.kid,
      alg: row.alg as SigningAlg,
      signingKey: await importJWK(JSON.parse(row.privateJwk) as JWK, row.alg),
      verifyKey: await importJWK(publicJwk, row.alg),
      publicJwk,
    };
    byKid.set(row.kid, key);
    if (!current && row.alg === alg) current = key;
  }
  if (!current) throw new Error(`no signing key for ${alg}`);
  return { current, byKid };
}
