// test-databases: each
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// The jwt-auth dialect (Lumen + tymon/jwt-auth): token claims, GET /refreshToken, POST /logout and every
// way a token is refused.

const PASSWORD = "correct horse battery";
const DAY = 86_400;
const ISSUER = "http://localhost:8080";
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

const ok = (data: unknown) => ({ success: true, message: "Success.", data });
const UNAUTHORIZED = { success: false, message: "Unauthorized", data: [] };

function expectBody(response: Response, status: number, body: unknown): void {
  assert.equal(response.status, status, response.text);
  assert.deepEqual(response.body, body);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
}

/** Insists on the documented token envelope and returns the access token. */
function expectToken(response: Response, expiresIn = 2 * DAY): string {
  const token = response.body?.data?.access_token;
  expectBody(response, 200, ok({ access_token: token, token_type: "bearer", expires_in: expiresIn }));
  assert.match(token, JWT);
  return token;
}

function claims(token: string): Record<string, any> {
  const payload = token.split(".")[1];
  assert.ok(payload, "a JWT has a payload segment");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Flips one character in the middle of a segment (never the last, whose low bits may be padding). */
function tamper(token: string, index: number): string {
  const parts = token.split(".");
  const part = parts[index] as string;
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
  return parts.join(".");
}

function client(gh: TestServer) {
  const get = (path: string, authorization?: string) =>
    gh.request("GET", path, authorization === undefined ? {} : { headers: { authorization } });
  return {
    get,
    me: (token: string) => get("/me", `Bearer ${token}`),
    refresh: (token: string) => get("/refreshToken", `Bearer ${token}`),
    logout: (token: string) => gh.post("/logout", { headers: { authorization: `Bearer ${token}` } }),
    register: async (uid: string, expiresIn?: number) =>
      expectToken(await gh.post("/register", { json: { uid, email: `${uid}@example.com`, password: PASSWORD } }), expiresIn),
    login: async (uid: string, expiresIn?: number) =>
      expectToken(await gh.post("/login", { json: { uid, password: PASSWORD } }), expiresIn),
  };
}

describe("jwt-auth tokens, refresh and logout", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  let aliceRegisterToken: string;
  const meBody = (uid: string) => ok({ uid, email: `${uid}@example.com` });
  before(async () => {
    gh = await startServer();
    c = client(gh);
    // Registered in this order, so alice is user 1 and bob user 2.
    aliceRegisterToken = await c.register("alice");
    await c.register("bob");
  });
  after(() => gh.close());

  it("carries the documented claims, with sub the user's number", async () => {
    const registered = claims(aliceRegisterToken);
    assert.equal(registered.iss, `${ISSUER}/register`);
    assert.equal(registered.sub, 1);
    const token = await c.login("bob");
    const login = claims(token);
    assert.equal(login.iss, `${ISSUER}/login`);
    assert.equal(login.sub, 2);
    for (const claim of [registered, login]) {
      for (const name of ["iat", "exp", "nbf"]) assert.ok(Number.isInteger(claim[name]), name);
      assert.equal(claim.exp, claim.iat + 2 * DAY);
      assert.equal(claim.nbf, claim.iat);
      assert.ok(Math.abs(claim.iat - Date.now() / 1000) < 60);
      assert.equal(typeof claim.jti, "string");
      assert.ok(claim.jti.length > 0);
      assert.match(claim.prv, /^[0-9a-f]{40}$/);
    }
    assert.notEqual(registered.jti, login.jti);
    expectBody(await c.me(token), 200, meBody("bob"));
  });

  it("refreshes: the presented token dies at once, the new one keeps the first iat", async () => {
    const first = await c.login("bob");
    await sleep(1100);
    const second = expectToken(await c.refresh(first));
    const [a, b] = [claims(first), claims(second)];
    assert.equal(b.iat, a.iat);
    assert.ok(b.exp > a.exp, "the new token lives 48 h from the refresh");
    assert.ok(b.nbf > a.nbf);
    assert.notEqual(b.jti, a.jti);
    assert.equal(b.sub, 2);
    assert.equal(b.iss, `${ISSUER}/refreshToken`);
    expectBody(await c.me(first), 401, UNAUTHORIZED);
    expectBody(await c.me(second), 200, meBody("bob"));
    expectBody(await c.refresh(first), 401, UNAUTHORIZED);
    // The chain goes on, still from the first login's iat.
    const third = expectToken(await c.refresh(second));
    assert.equal(claims(third).iat, a.iat);
    expectBody(await c.me(second), 401, UNAUTHORIZED);
    expectBody(await c.me(third), 200, meBody("bob"));
  });

  it("lets exactly one of ten concurrent refreshes of one token win", async () => {
    const token = await c.login("alice");
    const responses = await Promise.all(Array.from({ length: 10 }, () => c.refresh(token)));
    const winners = responses.filter((response) => response.status === 200);
    assert.equal(winners.length, 1, responses.map((response) => response.status).join(","));
    for (const response of responses) {
      if (response.status !== 200) expectBody(response, 401, UNAUTHORIZED);
    }
    expectBody(await c.me(token), 401, UNAUTHORIZED);
    expectBody(await c.me(expectToken(winners[0] as Response)), 200, meBody("alice"));
  });

  it("refuses a missing, malformed or forged token, and any token in the query string", async () => {
    const token = await c.login("alice");
    const [header, payload] = token.split(".") as [string, string];
    const hs256 = `${segment({ ...JSON.parse(Buffer.from(header, "base64url").toString()), alg: "HS256" })}.${payload}`;
    const forged = [
      tamper(token, 2),
      tamper(token, 1),
      `${header}.${segment({ ...claims(token), sub: 2 })}.${token.split(".")[2]}`,
      `${segment({ alg: "none", typ: "at+jwt" })}.${payload}.`,
      `${hs256}.${createHmac("sha256", "secret").update(hs256).digest("base64url")}`,
    ];
    const headers = [undefined, "", "Bearer", "Bearer ", "Bearer abc", "Bearer a.b.c", `Basic ${token}`, `Bearer ${token} x`];
    for (const authorization of [...headers, ...forged.map((value) => `Bearer ${value}`)]) {
      for (const path of ["/me", "/refreshToken"]) expectBody(await c.get(path, authorization), 401, UNAUTHORIZED);
      const logout = await gh.post("/logout", authorization === undefined ? {} : { headers: { authorization } });
      expectBody(logout, 401, UNAUTHORIZED);
    }
    expectBody(await c.get(`/me?token=${token}`), 401, UNAUTHORIZED);
    expectBody(await c.get(`/refreshToken?token=${token}`), 401, UNAUTHORIZED);
    expectBody(await gh.post(`/logout?token=${token}`), 401, UNAUTHORIZED);
    // None of the above harmed the real token.
    expectBody(await c.me(token), 200, meBody("alice"));
  });

  it("accepts another front door's access token but refuses a jwt-extended refresh token", async () => {
    const login = await gh.post("/api/auth/login", { json: { username: "alice", password: PASSWORD } });
    assert.equal(login.body.code, 0, login.text);
    const { access_token: access, refresh_token: refresh } = login.body.data;
    expectBody(await c.me(access), 200, meBody("alice"));
    expectBody(await c.me(refresh), 401, UNAUTHORIZED);
    expectBody(await c.refresh(refresh), 401, UNAUTHORIZED);
    expectBody(await c.logout(refresh), 401, UNAUTHORIZED);
    // The refusals did not use up the refresh token on its own front door.
    const refreshed = await gh.post("/api/auth/refresh", { headers: { authorization: `Bearer ${refresh}` } });
    assert.equal(refreshed.body.code, 0, refreshed.text);
  });
});

describe("jwt-auth refresh window and token lifetime (configured)", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer({ JWT_AUTH_REFRESH_WINDOW: "2", JWT_AUTH_TTL: "3600" });
    c = client(gh);
    await c.register("wendy", 3600);
  });
  after(() => gh.close());

  it("issues tokens of the configured lifetime and stops refreshing when the window closes", async () => {
    const token = await c.login("wendy", 3600);
    assert.equal(claims(token).exp, claims(token).iat + 3600);
    const refreshed = expectToken(await c.refresh(token), 3600);
    await sleep(2200);
    // Still valid for the rest of its hour, but no longer refreshable.
    expectBody(await c.refresh(refreshed), 401, UNAUTHORIZED);
    expectBody(await c.me(refreshed), 200, ok({ uid: "wendy", email: "wendy@example.com" }));
    // A new login opens a new window.
    expectToken(await c.refresh(await c.login("wendy", 3600)), 3600);
  });
});

describe("jwt-auth expired tokens", () => {
  let gh: TestServer;
  let c: ReturnType<typeof client>;
  before(async () => {
    gh = await startServer({ JWT_AUTH_TTL: "1" });
    c = client(gh);
  });
  after(() => gh.close());

  it("refuses a token once it has expired, on every route", async () => {
    const token = await c.register("xena", 1);
    assert.equal(claims(token).exp, claims(token).iat + 1);
    await sleep(2000);
    expectBody(await c.me(token), 401, UNAUTHORIZED);
    expectBody(await c.refresh(token), 401, UNAUTHORIZED);
    expectBody(await c.logout(token), 401, UNAUTHORIZED);
    // The account itself is fine: a new login gets a new token.
    assert.equal(claims(await c.login("xena", 1)).sub, 1);
  });
});
