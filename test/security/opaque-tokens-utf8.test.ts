// test-databases: each
// Refresh tokens are unique, long and stored only hashed (security S28); invalid UTF-8 in
// any field is refused on both database backends (item 60).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase } from "../helpers/database.js";
import { type Client, createClient, createUser, login } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const ROTATIONS = 1000;

describe("refresh tokens: unique, at least 128 bits, stored hashed (security S28)", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer();
    [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "rt-user")]);
  });
  after(() => gh.close());

  it(`${ROTATIONS + 1} refresh tokens are distinct, with a secret of ≥ 22 base64url characters, and none is stored`, async () => {
    const tokens = [(await login(gh, web, "rt-user")).refresh_token as string];
    const form = { grant_type: "refresh_token", client_id: "web", client_secret: web.secret! };
    for (let i = 0; i < ROTATIONS; i++) {
      const response = await gh.post("/oauth/token", { form: { ...form, refresh_token: tokens.at(-1) as string } });
      assert.equal(response.status, 200, response.text);
      tokens.push(response.body.refresh_token);
    }
    assert.equal(new Set(tokens).size, tokens.length, "a refresh token repeated");
    const secrets = tokens.map((token) => token.split(".").at(-1) as string);
    for (const secret of secrets) assert.match(secret, /^[A-Za-z0-9_-]{22,}$/);
    assert.equal(new Set(secrets).size, secrets.length, "a secret repeated");
    const stored = JSON.stringify(
      await Promise.all(
        ["refresh_tokens", "sessions", "audit_events", "users"].map((table) =>
          queryDatabase(gh.databaseUrl, `select * from ${table}`),
        ),
      ),
    );
    for (const secret of [...secrets.slice(0, 50), ...secrets.slice(-50)]) {
      assert.ok(!stored.includes(secret), "a refresh-token secret is stored in plain text");
    }
  });
});

/** Raw bytes C3 28: a two-byte UTF-8 lead followed by an ASCII byte, so never valid UTF-8. */
const BAD = Buffer.from([0xc3, 0x28]);

/** JSON text with `field` holding a prefix, the invalid bytes, then a suffix. */
function jsonWithBadBytes(fields: Record<string, string>, field: string): Buffer {
  const text = JSON.stringify({ ...fields, [field]: "\u0001MARK\u0001" });
  const [before, after] = text.split("\\u0001MARK\\u0001") as [string, string];
  return Buffer.concat([Buffer.from(`${before}${fields[field]}-`), BAD, Buffer.from(`-x${after}`)]);
}

/** Form text with `field` holding a prefix, the invalid bytes (raw or percent-encoded), then a suffix. */
function formWithBadBytes(fields: Record<string, string>, field: string, percentEncoded: boolean): Buffer {
  const rest = new URLSearchParams(Object.entries(fields).filter(([name]) => name !== field)).toString();
  const bad = percentEncoded ? Buffer.from("%C3%28") : BAD;
  return Buffer.concat([Buffer.from(`${rest}&${field}=${encodeURIComponent(fields[field] as string)}-`), bad, Buffer.from("-x")]);
}

/** Each front door's answer to a malformed field (its contract), as opposed to a plain failed login. */
const MALFORMED = {
  extended: (s: number, b: any) => s === 400 || b?.msg === "参数格式错误",
  lumen: (s: number) => s === 400 || s === 422,
  terminal: (s: number) => s === 400,
  spring: (s: number, b: any) => s === 400 || b?.message === "参数格式错误",
  // A JSON body at the token endpoint may be refused for its media type alone (security S50).
  oauth: (s: number, b: any) =>
    (s === 400 && b?.error === "invalid_request") || (s === 415 && b?.error === "unsupported_media_type"),
};
type Route = { path: string; fields: (n: number) => Record<string, string>; malformed: (status: number, body: any) => boolean };

const ROUTES: Route[] = [
  {
    path: "/api/auth/register",
    fields: (n) => ({ username: `utf-ext-${n}`, password: PASSWORD, email: `utf-ext-${n}@example.com` }),
    malformed: MALFORMED.extended,
  },
  { path: "/api/auth/login", fields: () => ({ username: "utf-owner", password: PASSWORD }), malformed: MALFORMED.extended },
  {
    path: "/register",
    fields: (n) => ({ uid: `utf-lumen-${n}`, email: `utf-lumen-${n}@example.com`, password: PASSWORD }),
    malformed: MALFORMED.lumen,
  },
  { path: "/login", fields: () => ({ uid: "utf-owner", password: PASSWORD }), malformed: MALFORMED.lumen },
  { path: "/auth/register", fields: (n) => ({ username: `utf-term-${n}`, password: PASSWORD }), malformed: MALFORMED.terminal },
  {
    path: "/auth/login",
    fields: () => ({ username: "utf-owner", password: PASSWORD, terminal: "t" }),
    malformed: MALFORMED.terminal,
  },
  { path: "/oauth/sendCode", fields: (n) => ({ email: `utf-code-${n}@example.com` }), malformed: MALFORMED.spring },
  { path: "/oauth/checkUserId", fields: (n) => ({ id: `utf-free-${n}` }), malformed: MALFORMED.spring },
  { path: "/oauth/login", fields: () => ({ id: "utf-owner", password: PASSWORD }), malformed: MALFORMED.spring },
  {
    path: "/oauth/token",
    fields: () => ({
      grant_type: "password",
      username: "utf-owner",
      password: PASSWORD,
      client_id: "watup",
      client_secret: "watup",
    }),
    malformed: MALFORMED.oauth,
  },
];

/** Whether an answer let the request through: an account, a session, a mail or a "free" id. */
const accepted = (status: number, body: any) =>
  status === 200 &&
  (body?.code === 0 || body?.code === 200 || body?.success === true || body?.message === "ok" || !!body?.access_token);

type Outcome = { where: string; status: number; body: any; text: string; malformed: boolean };

describe("invalid UTF-8 (C3 28) in any field is refused, never stored (security S60)", () => {
  let gh: TestServer;
  let outcomes: Outcome[];
  let usersBefore: number;

  async function sendBytes(path: string, body: Buffer, contentType: string) {
    const response = await fetch(gh.url + path, { method: "POST", headers: { "content-type": contentType }, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as any, text };
  }

  before(async () => {
    gh = await startServer();
    const owner = await gh.post("/api/auth/register", { json: { username: "utf-owner", password: PASSWORD } });
    assert.equal(owner.body.code, 0, owner.text);
    usersBefore = (await queryDatabase(gh.databaseUrl, "select id from users")).length;
    outcomes = [];
    let n = 0;
    for (const route of ROUTES) {
      for (const field of Object.keys(route.fields(0))) {
        for (const kind of ["json", "raw form", "encoded form"] as const) {
          const fields = route.fields(++n);
          const response =
            kind === "json"
              ? await sendBytes(route.path, jsonWithBadBytes(fields, field), "application/json")
              : await sendBytes(
                  route.path,
                  formWithBadBytes(fields, field, kind === "encoded form"),
                  "application/x-www-form-urlencoded",
                );
          const malformed = route.malformed(response.status, response.body);
          outcomes.push({ where: `${route.path} ${field} (${kind})`, ...response, malformed });
        }
      }
    }
  });
  after(() => gh.close());

  const describeAll = (list: Outcome[]) => list.map((o) => `${o.where}: ${o.status} ${o.text.slice(0, 90)}`);

  it("never creates an account, opens a session or answers 5xx; nothing decoded lossily is stored", async () => {
    assert.deepEqual(describeAll(outcomes.filter((o) => o.status >= 500 || accepted(o.status, o.body))), []);
    assert.equal((await queryDatabase(gh.databaseUrl, "select id from users")).length, usersBefore, "an account was created");
    const stored = JSON.stringify(await queryDatabase(gh.databaseUrl, "select username, email from users"));
    assert.ok(!stored.includes("\ufffd"), "a replacement character was stored");
  });

  it("answers each with the front door's malformed-input refusal (400 or its format error)", () => {
    assert.deepEqual(describeAll(outcomes.filter((o) => !o.malformed)), []);
  });
});
