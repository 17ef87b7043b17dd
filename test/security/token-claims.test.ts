// test-databases: each
// Access tokens signed with the server's own key but carrying bad claims, and revoked tokens
// spelled differently (security S22, S23 and S24). The key is read from the server's key
// store, as the oauth-introspect-revoke tests do.
import assert from "node:assert/strict";
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { b64url, type Client, createClient, createUser, decodeJws, introspect, login } from "../helpers/oauth.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

const INACTIVE = { active: false };
const now = () => Math.floor(Date.now() / 1000);

/** Signs exactly this header and payload with the server's current private key. */
async function signerOf(gh: TestServer): Promise<(header: object, payload: object) => string> {
  const [row] = await gh.server.store.keys.list();
  assert.ok(row, "the server has a signing key");
  const jwk = JSON.parse(row.privateJwk);
  const key: KeyObject = createPrivateKey({ key: jwk, format: "jwk" });
  return (header, payload) => {
    const input = `${b64url(header)}.${b64url(payload)}`;
    const signature =
      jwk.kty === "EC"
        ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" })
        : sign(null, Buffer.from(input), key);
    return `${input}.${signature.toString("base64url")}`;
  };
}

/** The three places a token is judged: introspection and two bearer-protected routes. */
async function judged(gh: TestServer, client: Client, token: string) {
  const introspection: Response = await introspect(gh, client, token);
  const bearer = { headers: { authorization: `Bearer ${token}` } };
  const sessions = await gh.request("GET", "/v1/me/sessions", bearer);
  const me = await gh.request("GET", "/me", bearer);
  return { introspection: introspection.body, sessions: sessions.status, me: me.status };
}

const REJECTED = { introspection: INACTIVE, sessions: 401, me: 401 };

describe("claims are fully checked on tokens signed with the server's own key (security S22, S23)", () => {
  let gh: TestServer;
  let web: Client;
  let mint: Awaited<ReturnType<typeof signerOf>>;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;

  before(async () => {
    gh = await startServer();
    [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "claims-user")]);
    mint = await signerOf(gh);
    ({ header, payload } = decodeJws((await login(gh, web, "claims-user")).access_token));
  });
  after(() => gh.close());

  const without = (name: string) => Object.fromEntries(Object.entries(payload).filter(([key]) => key !== name));

  it("accepts the genuine claims re-signed (the control)", async () => {
    const result = await judged(gh, web, mint(header, payload));
    assert.equal(result.introspection.active, true);
    assert.deepEqual([result.sessions, result.me], [200, 200]);
  });

  const cases: [string, () => [object, object]][] = [
    ["exp an hour in the past", () => [header, { ...payload, exp: now() - 3600 }]],
    ["exp 90 s in the past (beyond 60 s of skew)", () => [header, { ...payload, exp: now() - 90 }]],
    ["nbf 5 minutes ahead", () => [header, { ...payload, nbf: now() + 300 }]],
    ["a foreign iss", () => [header, { ...payload, iss: "https://evil.test" }]],
    ["an iss that only starts like ours", () => [header, { ...payload, iss: "http://localhost:8080.evil.test" }]],
    ["a foreign aud", () => [header, { ...payload, aud: "https://other-service.example" }]],
    ["a foreign aud in an array", () => [header, { ...payload, aud: ["https://other-service.example"] }]],
    ["no exp", () => [header, without("exp")]],
    ["exp as a string", () => [header, { ...payload, exp: String(payload.exp) }]],
    ["no sub", () => [header, without("sub")]],
    ["an empty sub", () => [header, { ...payload, sub: "" }]],
    ["iat a year in the future", () => [header, { ...payload, iat: now() + 365 * 86_400 }]],
    ["iat as a string", () => [header, { ...payload, iat: String(payload.iat) }]],
    ["typ JWT instead of at+jwt (security S23)", () => [{ ...header, typ: "JWT" }, payload]],
    ["no typ (security S23)", () => [Object.fromEntries(Object.entries(header).filter(([key]) => key !== "typ")), payload]],
  ];
  for (const [name, build] of cases) {
    it(`rejects ${name}: inactive at introspection, 401 at /v1/me/sessions and /me`, async () => {
      assert.deepEqual(await judged(gh, web, mint(...build())), REJECTED);
    });
  }
});

// --- revocation is not keyed on the token's spelling (security S24) ------------------------------

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** P-256 group order, for the (r, n − s) twin of an ES256 signature. */
const P256_N = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/** The last base64url character with its unused low bits changed: the same bytes to a lenient decoder. */
function flipPaddingBits(segment: string): string {
  // 2 characters past a multiple of 4 leave 4 unused bits, 3 characters leave 2.
  if (segment.length % 4 < 2) return segment;
  const last = ALPHABET.indexOf(segment.slice(-1));
  return segment.slice(0, -1) + ALPHABET[last ^ 1];
}

function highS(jws: string): string | null {
  const parts = jws.split(".");
  if (parts.length !== 3 || decodeJws(jws).header.alg !== "ES256") return null;
  const [head, body, signature] = parts as [string, string, string];
  const bytes = Buffer.from(signature, "base64url");
  const s = BigInt(`0x${bytes.subarray(32).toString("hex")}`);
  const twin = Buffer.from((P256_N - s).toString(16).padStart(64, "0"), "hex");
  return `${head}.${body}.${Buffer.concat([bytes.subarray(0, 32), twin]).toString("base64url")}`;
}

/** Other spellings of one token that a careless parser might take for the same or another token. */
function variants(token: string): Record<string, string> {
  const parts = token.split(".");
  const lastPart = parts.at(-1) as string;
  const padded = lastPart + "=".repeat((4 - (lastPart.length % 4)) % 4 || 1);
  const out: Record<string, string> = {
    "altered padding bits": [...parts.slice(0, -1), flipPaddingBits(lastPart)].join("."),
    "added = padding": [...parts.slice(0, -1), padded].join("."),
    "leading and trailing space": ` ${token} `,
    "trailing newline": `${token}\n`,
    "leading tab": `\t${token}`,
    "a fourth segment": `${token}.${lastPart}`,
    "an empty fourth segment": `${token}.`,
  };
  const twin = highS(token);
  if (twin) out["ECDSA (r, n − s)"] = twin;
  return out;
}

for (const alg of ["EdDSA", "ES256"]) {
  describe(`revoked tokens stay inactive however they are spelled, JWT_ALG=${alg} (security S24)`, () => {
    let gh: TestServer;
    let web: Client;
    before(async () => {
      gh = await startServer({ JWT_ALG: alg });
      [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "spelling")]);
    });
    after(() => gh.close());

    const revoke = (token: string) => gh.post("/oauth/revoke", { form: { token, client_id: "web", client_secret: web.secret! } });
    const active = async (token: string) => (await introspect(gh, web, token)).body.active === true;

    it("before revocation, a variant that passes is the same token: same subject, session and expiry", async (t) => {
      const { access_token: access, refresh_token: refresh } = await login(gh, web, "spelling");
      const original = (await introspect(gh, web, access)).body;
      // The comparison below means something only if the genuine tokens pass themselves.
      assert.equal(original.active, true, "the original access token is active");
      assert.equal(await active(refresh), true, "the original refresh token is active");
      const named = (kind: string, token: string) => Object.entries(variants(token)).map(([n, v]) => [`${kind}, ${n}`, v]);
      for (const [name, variant] of [...named("access token", access), ...named("refresh token", refresh)] as [
        string,
        string,
      ][]) {
        const body = (await introspect(gh, web, variant)).body;
        t.diagnostic(`${name}: ${body.active ? "active" : "inactive"}`);
        if (body.active) assert.deepEqual([body.sub, body.exp, body.iat], [original.sub, original.exp, original.iat], name);
      }
    });

    it("after revoking the token, every variant of its access and refresh token is refused everywhere", async () => {
      const { access_token: access, refresh_token: refresh } = await login(gh, web, "spelling");
      assert.equal((await revoke(access)).status, 200);
      for (const [name, variant] of Object.entries(variants(access))) {
        assert.deepEqual(await judged(gh, web, variant), REJECTED, name);
      }
      for (const [name, variant] of Object.entries(variants(refresh))) {
        assert.equal(await active(variant), false, name);
        const grant = await gh.post("/oauth/token", {
          form: { grant_type: "refresh_token", refresh_token: variant, client_id: "web", client_secret: web.secret! },
        });
        assert.equal(grant.body.error, "invalid_grant", `${name}: ${grant.text}`);
      }
    });

    it("revoking through a variant that passes revokes the original token", async () => {
      for (const pick of ["access", "refresh"] as const) {
        const probe = await login(gh, web, "spelling");
        const names = Object.keys(variants(probe[`${pick}_token`]));
        for (const name of names) {
          const fresh = await login(gh, web, "spelling");
          const variant = variants(fresh[`${pick}_token`])[name] as string;
          if (!(await active(variant))) continue;
          assert.equal((await revoke(variant)).status, 200);
          assert.equal(await active(fresh.access_token), false, `${pick} ${name}`);
          assert.equal(await active(fresh.refresh_token), false, `${pick} ${name}`);
        }
      }
    });
  });
}
