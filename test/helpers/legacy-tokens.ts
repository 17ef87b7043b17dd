import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { type JWTPayload, SignJWT } from "jose";
import type { UserRecord } from "../../src/core/ports.js";
import { newUser } from "./store-records.js";
import type { TestServer } from "./server.js";

/** Tokens as the original servers issued them, and the originals' own verifiers, for the cutover tests. */

/** Debian's python3-jwt lives under the system Python, not under whatever `python3` is first on PATH. */
const SYSTEM_PYTHON = "/usr/bin/python3";

/** Why PyJWT cannot be run here, or `null` when it can. */
export function pyjwtUnavailable(): string | null {
  const probe = spawnSync(SYSTEM_PYTHON, ["-c", "import jwt; print(jwt.__version__)"], { encoding: "utf8" });
  if (probe.error) return `${SYSTEM_PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `${SYSTEM_PYTHON} has no jwt module (apt-get install python3-jwt)`;
  return null;
}

/** Skips (with a loud line) or, with GATEHOUSE_TEST_REQUIRE_SERVICES=1, fails when PyJWT is missing. */
export function requirePyjwt(): string | null {
  const unavailable = pyjwtUnavailable();
  if (unavailable) {
    const message = `PYJWT NOT AVAILABLE for the cutover verifier tests: ${unavailable}`;
    if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") throw new Error(message);
    console.warn(`\n!!! ${message} — SKIPPED\n`);
  }
  return unavailable;
}

/**
 * Decodes `token` with PyJWT as flask-jwt-extended's `decode_token` does (the secret,
 * algorithms=["HS256"], no leeway), then applies its checks: the identity claim `sub`, the
 * token `type` the route wants, a `jti`, and `fresh` on access tokens. Prints the claims.
 */
const FLASK_VERIFIER = `
import json, sys, jwt
token, secret, kind = sys.argv[1:4]
claims = jwt.decode(token, secret, algorithms=["HS256"], leeway=0)
assert "sub" in claims, "Missing claim: sub"
assert claims.get("type", "access") == kind, "wrong token type: %r" % claims.get("type")
assert isinstance(claims.get("jti"), str), "no jti"
if kind == "access":
    assert isinstance(claims.get("fresh"), bool), "no fresh"
print(json.dumps(claims))
`;

/**
 * Decodes with PyJWT, then checks what tymon/jwt-auth checks: its default required claims
 * (iss, iat, exp, nbf, sub, jti) and `prv`, the SHA-1 of the user model's class name, compared
 * with the hash of the model class the guard uses (`App\\User`).
 */
const TYMON_VERIFIER = `
import hashlib, json, sys, jwt
token, secret, model = sys.argv[1:4]
claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["iss", "iat", "exp", "nbf", "sub", "jti"]})
assert claims.get("prv") == hashlib.sha1(model.encode()).hexdigest(), "prv does not match the model %s" % model
print(json.dumps(claims))
`;

function runPython(script: string, args: string[]): Record<string, unknown> {
  return JSON.parse(
    execFileSync(SYSTEM_PYTHON, ["-c", script, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
  ) as Record<string, unknown>;
}

export const verifyAsFlask = (token: string, secret: string, kind: "access" | "refresh") =>
  runPython(FLASK_VERIFIER, [token, secret, kind]);

export const verifyAsTymon = (token: string, secret: string, model = "App\\User") =>
  runPython(TYMON_VERIFIER, [token, secret, model]);

/** Runs a verifier and returns its complaint, asserting that it refused. */
export function refusedBy(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  assert.fail("the verifier accepted the token");
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token the old Flask server issued: HS256 with its secret, flask-jwt-extended's claims, `csrf` too. */
export function flaskToken(
  secret: string,
  sub: string,
  kind: "access" | "refresh",
  ttlSeconds = 3600,
  extra = {},
): Promise<string> {
  const iat = nowSeconds();
  const claims: Record<string, unknown> = { fresh: false, iat, jti: randomUUID(), type: kind, sub, nbf: iat };
  if (kind === "access") claims.csrf = randomUUID();
  return new SignJWT({ ...claims, exp: iat + ttlSeconds, ...extra })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(Buffer.from(secret));
}

/** A token the old Lumen server issued: tymon/jwt-auth's claims, `sub` the numeric id, a 16-character `jti`. */
export function tymonToken(secret: string, sub: number, options: { ttlSeconds?: number; iat?: number; extra?: object } = {}) {
  const iat = options.iat ?? nowSeconds();
  const jti = randomUUID().replace(/-/g, "").slice(0, 16);
  const claims = { iss: "http://localhost:8000/login", iat, exp: iat + (options.ttlSeconds ?? 3600), nbf: iat, jti, sub };
  // tymon/jwt-auth writes the numeric id as is; jose types `sub` as a string.
  const payload = { ...claims, prv: "87e0af1ef9fd15812fdec97153a14e0b047546aa", ...options.extra } as unknown as JWTPayload;
  return new SignJWT(payload).setProtectedHeader({ typ: "JWT", alg: "HS256" }).sign(Buffer.from(secret));
}

/** The same claims with `alg: none` and no signature: what an attacker without the secret sends. */
export function unsigned(token: string): string {
  const [, payload] = token.split(".");
  const header = Buffer.from(JSON.stringify({ typ: "JWT", alg: "none" })).toString("base64url");
  return `${header}.${payload}.`;
}

/** A user as an import brings it: its original id kept; it has no password here (none is needed). */
export async function importedUser(gh: TestServer, name: string, id: string = randomUUID()): Promise<UserRecord> {
  return gh.server.store.users.insert({ ...newUser(name, "$argon2id$v=19$m=19456,t=2,p=1$none$none"), id }, ["USER"]);
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}

export function headerOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8"));
}
