// test-databases: each
// Forged access tokens the existing introspection tests leave out: algorithm confusion with other
// encodings of the public key and the server's own key under another algorithm, keys named by
// URL or certificate, hostile `kid` values, and the key strength of the JWKS
// (security S18, S19, S20 and S25).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { b64url, createClient, createUser, decodeJws, introspect, login } from "../helpers/oauth.js";
import { startServer } from "../helpers/server.js";

const INACTIVE = { active: false };

const jws = (header: object, payload: object, signer: (input: string) => Buffer) => {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer(input).toString("base64url")}`;
};
const hmac = (key: string | Buffer) => (input: string) => createHmac("sha256", key).update(input).digest();
const signWith =
  (key: KeyObject, digest: string | null, options: object = {}) =>
  (input: string) =>
    sign(digest, Buffer.from(input), { key, ...options });

/** One server per algorithm, a client, a genuine token's header and claims, and the keys. */
async function setUp(alg: string) {
  const gh = await startServer({ JWT_ALG: alg });
  const [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "forger")]);
  const { header, payload } = decodeJws((await login(gh, web, "forger")).access_token);
  const jwk = (await gh.request("GET", "/.well-known/jwks.json")).body.keys[0];
  const [row] = await gh.server.store.keys.list();
  const privateKey = createPrivateKey({ key: JSON.parse(row?.privateJwk ?? "{}"), format: "jwk" });
  return { gh, web, header, payload, jwk, privateKey, publicKey: createPublicKey({ key: jwk, format: "jwk" }) };
}
type Setup = Awaited<ReturnType<typeof setUp>>;

async function expectRejected(s: Setup, forged: Record<string, string>): Promise<void> {
  for (const [name, token] of Object.entries(forged)) {
    const started = performance.now();
    const response = await introspect(s.gh, s.web, token);
    assert.equal(response.status, 200, `${name}: ${response.text}`);
    assert.deepEqual(response.body, INACTIVE, name);
    const bearer = await s.gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(bearer.status, 401, `${name} at /v1/me/sessions`);
    assert.ok(performance.now() - started < 1000, `${name} took ${performance.now() - started} ms`);
  }
}

describe("algorithm confusion (security S18)", () => {
  const setups: Setup[] = [];
  after(() => Promise.all(setups.map((s) => s.gh.close())));

  it("EdDSA: HS256 MACed with the public key as PEM with whitespace, DER or raw bytes; RS/ES/PS swaps", async () => {
    const s = await setUp("EdDSA");
    setups.push(s);
    const pem = s.publicKey.export({ type: "spki", format: "pem" }) as string;
    const der = s.publicKey.export({ type: "spki", format: "der" });
    const head = (alg: string) => ({ ...s.header, alg });
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    await expectRejected(s, {
      "HS256, PEM with a leading newline": jws(head("HS256"), s.payload, hmac(`\n${pem}`)),
      "HS256, PEM with leading spaces": jws(head("HS256"), s.payload, hmac(`  ${pem}`)),
      "HS256, PEM without its final newline": jws(head("HS256"), s.payload, hmac(pem.trimEnd())),
      "HS256, DER": jws(head("HS256"), s.payload, hmac(der)),
      "HS384, DER": jws(head("HS384"), s.payload, (input) => createHmac("sha384", der).update(input).digest()),
      "RS256, attacker key": jws(head("RS256"), s.payload, signWith(rsa, "sha256")),
      "PS256, attacker key": jws(
        head("PS256"),
        s.payload,
        signWith(rsa, "sha256", { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      ),
      "ES256, attacker key": jws(head("ES256"), s.payload, signWith(ec, "sha256", { dsaEncoding: "ieee-p1363" })),
      "Ed448 name, real signature": jws(head("Ed448"), s.payload, signWith(s.privateKey, null)),
    });
  });

  it("RS256: the server's own RSA key under PS256, RS384 or RS512 is refused (the kid pins RS256)", async () => {
    const s = await setUp("RS256");
    setups.push(s);
    const pem = s.publicKey.export({ type: "spki", format: "pem" }) as string;
    const head = (alg: string) => ({ ...s.header, alg });
    const control = jws(s.header, s.payload, signWith(s.privateKey, "sha256"));
    assert.equal((await introspect(s.gh, s.web, control)).body.active, true, "the control is accepted");
    await expectRejected(s, {
      "PS256, server key": jws(
        head("PS256"),
        s.payload,
        signWith(s.privateKey, "sha256", { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      ),
      "RS384, server key": jws(head("RS384"), s.payload, signWith(s.privateKey, "sha384")),
      "RS512, server key": jws(head("RS512"), s.payload, signWith(s.privateKey, "sha512")),
      "HS256, PEM": jws(head("HS256"), s.payload, hmac(pem)),
      "HS256, PEM with a leading newline": jws(head("HS256"), s.payload, hmac(`\n${pem}`)),
    });
  });

  it("ES256: ES384 and HS256 with the public key are refused", async () => {
    const s = await setUp("ES256");
    setups.push(s);
    const pem = s.publicKey.export({ type: "spki", format: "pem" }) as string;
    const head = (alg: string) => ({ ...s.header, alg });
    await expectRejected(s, {
      "ES384 name, real P-256 signature": jws(
        head("ES384"),
        s.payload,
        signWith(s.privateKey, "sha256", { dsaEncoding: "ieee-p1363" }),
      ),
      "HS256, PEM": jws(head("HS256"), s.payload, hmac(pem)),
      "HS256, JWK JSON": jws(head("HS256"), s.payload, hmac(JSON.stringify(s.jwk))),
    });
  });
});

describe("keys named by URL or certificate, and hostile kid values (security S19, S20)", () => {
  let s: Setup;
  let harness: Server;
  let harnessUrl: string;
  const harnessHits: string[] = [];
  const attacker = generateKeyPairSync("ed25519");
  const signAttacker = (input: string) => sign(null, Buffer.from(input), attacker.privateKey);
  const certDir = mkdtempSync(join(tmpdir(), "gatehouse-x5c-"));

  before(async () => {
    s = await setUp("EdDSA");
    const jwks = JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: "jwk" }), kid: s.header.kid, alg: "EdDSA" }] });
    harness = createServer((request, response) => {
      harnessHits.push(request.url ?? "");
      response.setHeader("content-type", "application/json");
      response.end(jwks);
    });
    await new Promise<void>((resolve) => harness.listen(0, "127.0.0.1", resolve));
    harnessUrl = `http://127.0.0.1:${(harness.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((resolve) => harness.close(resolve));
    await s.gh.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  /** A self-signed certificate for the attacker's key, made with openssl; null where it is missing. */
  function attackerCertificate(): string | null {
    const keyFile = join(certDir, "key.pem");
    const certFile = join(certDir, "cert.pem");
    try {
      execFileSync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", keyFile], { stdio: "ignore" });
      execFileSync("openssl", ["req", "-x509", "-key", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=attacker"], {
        stdio: "ignore",
      });
    } catch {
      return null;
    }
    return readFileSync(certFile, "utf8").replace(/-----[^-]+-----|\s/g, "");
  }

  it("ignores jku and x5u (and fetches nothing from them) and an embedded x5c certificate", async (t) => {
    const forged: Record<string, string> = {
      "jku, real kid": jws({ ...s.header, jku: `${harnessUrl}/jwks` }, s.payload, signAttacker),
      "jku, no kid": jws({ alg: "EdDSA", typ: "at+jwt", jku: `${harnessUrl}/jwks` }, s.payload, signAttacker),
      "x5u, real kid": jws({ ...s.header, x5u: `${harnessUrl}/cert.pem` }, s.payload, signAttacker),
    };
    const certificate = attackerCertificate();
    if (certificate) {
      const certKey = createPrivateKey(readFileSync(join(certDir, "key.pem")));
      const signCert = (input: string) => sign(null, Buffer.from(input), certKey);
      forged["x5c, real kid"] = jws({ ...s.header, x5c: [certificate] }, s.payload, signCert);
      forged["x5c, no kid"] = jws({ alg: "EdDSA", typ: "at+jwt", x5c: [certificate] }, s.payload, signCert);
    } else {
      t.diagnostic("openssl not found: the x5c cases are left out");
    }
    await expectRejected(s, forged);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(harnessHits, [], "the server fetched a key from the URL in the token");
  });

  it("treats kid as opaque: SQL, path, number, object, array, null and empty are refused in under 1 s", async () => {
    const kids: unknown[] = [
      "';SELECT pg_sleep(5)--",
      "' OR '1'='1' --",
      "../../dev/null",
      "/dev/zero",
      "k".repeat(2000),
      12345,
      { kid: s.header.kid },
      [s.header.kid],
      null,
      "",
      `${s.header.kid}\u0000`,
    ];
    const forged = Object.fromEntries(
      kids.map((kid) => [`kid ${JSON.stringify(kid).slice(0, 40)}`, jws({ ...s.header, kid }, s.payload, signAttacker)]),
    );
    await expectRejected(s, forged);
    assert.equal((await s.gh.request("GET", "/healthz")).status, 200);
  });

  // RFC 7662 §2.2 and security S52: a token that does not exist here is {"active":false}; RFC 7009
  // §2.2 and security S53: revoking one answers 200. A 10 KB kid makes the token longer than 8 KB.
  it("a token with a 10 KB kid is inactive at introspection, 401 as a bearer token, and revocation answers 200", async () => {
    const token = jws({ ...s.header, kid: "k".repeat(10 * 1024) }, s.payload, signAttacker);
    const started = performance.now();
    const bearer = await s.gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(bearer.status, 401, bearer.text);
    const revoked = await s.gh.post("/oauth/revoke", { form: { token, client_id: "web", client_secret: s.web.secret! } });
    assert.equal(revoked.status, 200, `revocation: ${revoked.text}`);
    const response = await introspect(s.gh, s.web, token);
    assert.deepEqual([response.status, response.body], [200, INACTIVE], `introspection: ${response.text}`);
    assert.ok(performance.now() - started < 3000);
  });
});

describe("the JWKS is public-only and its keys are strong (security S25)", () => {
  for (const [alg, check] of [
    ["EdDSA", (key: any) => assert.deepEqual([key.kty, key.crv], ["OKP", "Ed25519"])],
    ["ES256", (key: any) => assert.deepEqual([key.kty, key.crv], ["EC", "P-256"])],
    ["RS256", (key: any) => assert.ok(Buffer.from(key.n, "base64url").length * 8 >= 2048, "RSA modulus under 2048 bits")],
  ] as const) {
    it(`JWT_ALG=${alg}`, async (t) => {
      const gh = await startServer({ JWT_ALG: alg });
      try {
        const { body } = await gh.request("GET", "/.well-known/jwks.json");
        assert.equal(body.keys.length, 1);
        const [key] = body.keys;
        for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k", "oth"]) assert.equal(key[secret], undefined, secret);
        assert.notEqual(key.kty, "oct");
        assert.equal(key.alg, alg);
        check(key);
        if (key.n) t.diagnostic(`RSA modulus: ${Buffer.from(key.n, "base64url").length * 8} bits`);
      } finally {
        await gh.close();
      }
    });
  }
});
