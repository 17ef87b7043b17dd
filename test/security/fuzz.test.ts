// test-databases: each
// Property-based fuzzing of every route of every front door on one server: generated bodies
// (JSON, form, raw), query strings and credential headers. Whatever arrives, the answer is never
// a 5xx, is JSON in that front door's own shape, and the server stays up. Reproduce a failure
// with FUZZ_SEED=<seed printed on failure>; FUZZ_RUNS raises the number of requests.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";

type Door = "jwt-extended" | "jwt-auth" | "terminal" | "spring-oauth" | "oauth" | "native" | "admin";
type Route = { door: Door; method: "GET" | "POST" | "DELETE" | "PATCH" | "PUT"; path: string; fields: string[] };

const USER_FIELDS = ["username", "email", "password", "display_name", "phone", "roles", "status", "attributes", "email_verified"];
const CLIENT_FIELDS = [
  "client_id",
  "public",
  "name",
  "grants",
  "scopes",
  "redirect_uris",
  "first_party",
  "token_endpoint_auth_method",
];
const QUERY_FIELDS = ["query", "status", "role", "limit", "cursor", "user_id", "event", "outcome", "since", "until"];

/** The admin API's routes; every `:id` is replaced by a generated value. */
const ADMIN_ROUTES: Route[] = (
  [
    ["GET", "/v1/admin/users", QUERY_FIELDS],
    ["POST", "/v1/admin/users", USER_FIELDS],
    ["GET", "/v1/admin/users/:id", []],
    ["PATCH", "/v1/admin/users/:id", USER_FIELDS],
    ["DELETE", "/v1/admin/users/:id", []],
    ["PUT", "/v1/admin/users/:id/roles/:id", []],
    ["DELETE", "/v1/admin/users/:id/roles/:id", []],
    ["POST", "/v1/admin/users/:id/password", ["password"]],
    ["GET", "/v1/admin/users/:id/sessions", []],
    ["DELETE", "/v1/admin/sessions/:id", []],
    ["GET", "/v1/admin/roles", []],
    ["POST", "/v1/admin/roles", ["name", "description"]],
    ["PATCH", "/v1/admin/roles/:id", ["description"]],
    ["PUT", "/v1/admin/roles/:id/permissions/:id", []],
    ["POST", "/v1/admin/permissions", ["name", "description"]],
    ["DELETE", "/v1/admin/permissions/:id", []],
    ["POST", "/v1/admin/clients", CLIENT_FIELDS],
    ["PATCH", "/v1/admin/clients/:id", CLIENT_FIELDS],
    ["POST", "/v1/admin/clients/:id/secret", []],
    ["GET", "/v1/admin/audit", QUERY_FIELDS],
    ["GET", "/v1/admin/stats", []],
  ] as const
).map(([method, path, fields]) => ({ door: "admin", method, path, fields: [...fields] }));

/** Methods whose fields travel in a body; the others carry them in the query string. */
const WITH_BODY = new Set(["POST", "PATCH"]);

const ROUTES: Route[] = [
  { door: "jwt-extended", method: "POST", path: "/api/auth/register", fields: ["username", "password", "email"] },
  { door: "jwt-extended", method: "POST", path: "/api/auth/login", fields: ["username", "password"] },
  { door: "jwt-extended", method: "POST", path: "/api/auth/refresh", fields: [] },
  { door: "jwt-extended", method: "POST", path: "/api/auth/logout", fields: [] },
  { door: "jwt-auth", method: "POST", path: "/register", fields: ["uid", "email", "password"] },
  { door: "jwt-auth", method: "POST", path: "/login", fields: ["uid", "password"] },
  { door: "jwt-auth", method: "GET", path: "/refreshToken", fields: ["token"] },
  { door: "jwt-auth", method: "GET", path: "/me", fields: ["token"] },
  { door: "jwt-auth", method: "POST", path: "/logout", fields: ["token"] },
  { door: "terminal", method: "POST", path: "/auth/register", fields: ["username", "password"] },
  { door: "terminal", method: "POST", path: "/auth/unregister", fields: ["username", "password"] },
  { door: "terminal", method: "POST", path: "/auth/login", fields: ["username", "password", "terminal"] },
  { door: "terminal", method: "POST", path: "/auth/password", fields: ["username", "oldPassword", "newPassword"] },
  { door: "terminal", method: "POST", path: "/auth/logout", fields: ["username"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/sendCode", fields: ["email"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/checkUserId", fields: ["id"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/register", fields: ["id", "username", "password", "email", "code"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/login", fields: ["id", "password"] },
  { door: "spring-oauth", method: "GET", path: "/oauth/check_token", fields: ["token"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/check_token", fields: ["token", "client_id", "client_secret"] },
  { door: "spring-oauth", method: "GET", path: "/oauth/removeToken", fields: ["access_token"] },
  { door: "spring-oauth", method: "POST", path: "/oauth/removeToken", fields: ["access_token"] },
  {
    door: "oauth",
    method: "POST",
    path: "/oauth/token",
    fields: ["grant_type", "username", "password", "refresh_token", "scope", "client_id", "client_secret"],
  },
  {
    door: "oauth",
    method: "POST",
    path: "/oauth/introspect",
    fields: ["token", "token_type_hint", "client_id", "client_secret"],
  },
  { door: "oauth", method: "POST", path: "/oauth/revoke", fields: ["token", "token_type_hint", "client_id", "client_secret"] },
  { door: "native", method: "GET", path: "/v1/me/sessions", fields: [] },
  { door: "native", method: "DELETE", path: "/v1/me/sessions/:id", fields: [] },
  ...ADMIN_ROUTES,
];

type Body =
  | { kind: "json"; entries: [string, unknown][] }
  | { kind: "json-value"; value: unknown }
  | { kind: "form"; entries: [string, string][] }
  | { kind: "raw"; text: string; contentType: string | null };
type Generated = { route: Route; body: Body; headers: Record<string, string>; id: string };

/** Tokens and credentials that really exist, so that generated requests get past the first check. */
const known = { tokens: [] as string[], basic: [] as string[], admin: [] as string[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const keysAre = (value: Record<string, unknown>, ...keys: string[]) =>
  Object.keys(value).sort().join(",") === [...keys].sort().join(",");
const isOAuthError = (body: unknown) =>
  isObject(body) &&
  typeof body.error === "string" &&
  Object.keys(body).every((key) => key === "error" || (key === "error_description" && typeof body[key] === "string"));

/** Whether `body` (parsed JSON, or undefined for an empty one) is a shape this front door documents. */
function inShape(door: Door, path: string, status: number, body: unknown): boolean {
  switch (door) {
    case "jwt-extended":
      return (
        isObject(body) &&
        ((keysAre(body, "code", "data", "msg") && (body.code === 0 || body.code === 1) && typeof body.msg === "string") ||
          (keysAre(body, "msg") && typeof body.msg === "string"))
      );
    case "jwt-auth":
      if (status === 422) {
        return isObject(body) && Object.values(body).every((v) => Array.isArray(v) && v.every((m) => typeof m === "string"));
      }
      return isObject(body) && keysAre(body, "success", "message", "data") && typeof body.success === "boolean";
    case "terminal":
      return (
        isObject(body) &&
        typeof body.message === "string" &&
        Object.keys(body).every((key) => key === "message" || key === "token")
      );
    case "spring-oauth":
      if (isOAuthError(body)) return true;
      if (isObject(body) && body.active === true) return status === 200;
      return (
        isObject(body) &&
        keysAre(body, "code", "message", "data") &&
        (body.code === 200 || body.code === 400 || status >= 400) &&
        typeof body.message === "string"
      );
    case "oauth":
      if (isOAuthError(body)) return status >= 400;
      if (status !== 200) return false;
      if (path === "/oauth/revoke") return body === undefined;
      if (path === "/oauth/introspect") return isObject(body) && typeof body.active === "boolean";
      return isObject(body) && typeof body.access_token === "string" && body.token_type === "Bearer";
    case "native":
      if (status === 204) return body === undefined;
      return isOAuthError(body) || (status === 200 && isObject(body) && Array.isArray(body.sessions));
    case "admin":
      if (status === 204) return body === undefined;
      if (status >= 400) return isOAuthError(body);
      return isObject(body) && !isOAuthError(body);
  }
}

// --- generators --------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "nul\u0000byte",
  "\ud800",
  "\udc00lone",
  "__proto__",
  "constructor",
  "prototype",
  "' OR '1'='1",
  "admin'--",
  "';SELECT pg_sleep(5)--",
  "a@b.c",
  "a\r\nBcc: x@evil.test",
  "\u202e\u200b",
  "ＡＬＩＣＥ",
  "😀",
  "fuzzer",
  "fuzzer@example.com",
  PASSWORD,
  "password",
  "refresh_token",
  "client_credentials",
  "x".repeat(300),
  "y".repeat(9000),
];

/** One of the known tokens (or Basic credentials), chosen by the seed. */
const pick = (list: string[]) => fc.nat().map((i) => list[i % Math.max(list.length, 1)] ?? "none");

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: pick(known.tokens) },
);

/** Header-safe text (what an HTTP client can actually send). */
const headerText = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom({ $ne: null }, { $gt: "" }, {}, [], [[[]]], JSON.parse('{"__proto__":{"roles":["ADMIN"]}}')),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const name = (route: Route) =>
  fc.oneof(
    { weight: 6, arbitrary: route.fields.length ? fc.constantFrom(...route.fields) : fc.constant("username") },
    { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "roles", "id", "emailVerified", "a[__proto__]") },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

const body = (route: Route): fc.Arbitrary<Body> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(fc.tuple(name(route), value), { maxLength: 7 }).map((entries) => ({ kind: "json" as const, entries })),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: "json-value" as const, value: v })) },
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(
              name(route),
              name(route).map((n) => `${n}[]`),
            ),
            text.map(String),
          ),
          { maxLength: 7 },
        )
        .map((entries) => ({ kind: "form" as const, entries })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("raw" as const),
        text: fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.constantFrom("{", "[".repeat(2000), '{"a":1,"a":2}', "a=1&a[length]=100000000", "x".repeat(20_000)),
        ),
        contentType: fc.constantFrom(
          null,
          "application/json",
          "application/x-www-form-urlencoded",
          "text/plain",
          "application/json; charset=utf-16",
          "multipart/form-data; boundary=x",
        ),
      }),
    },
  );

const authorization = fc.oneof(
  fc.constant(null),
  headerText,
  headerText.map((t) => `Bearer ${t}`),
  pick(known.tokens).map((token) => `Bearer ${token}`),
  pick(known.basic).map((credentials) => `Basic ${credentials}`),
  headerText.map((t) => `Basic ${Buffer.from(t).toString("base64")}`),
  fc.constantFrom("Bearer", "Bearer a b", "bearer x.y.z", "Basic !!!", "Basic Og==", "Bearer eyJhbGciOiJub25lIn0.e30."),
);

/** Mostly an administrator's token on the admin routes, so that their input gets past authorization. */
const authorizationFor = (route: Route) =>
  route.door === "admin"
    ? fc.oneof(
        { weight: 4, arbitrary: pick(known.admin).map((token) => `Bearer ${token}`) },
        { weight: 1, arbitrary: authorization },
      )
    : authorization;

const generated: fc.Arbitrary<Generated> = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    body: WITH_BODY.has(route.method) ? body(route) : fc.constant<Body>({ kind: "form", entries: [] }),
    headers: fc
      .record({
        authorization: authorizationFor(route),
        token: fc.oneof(fc.constant(null), headerText, fc.constantFrom(...known.tokens)),
      })
      .map(({ authorization: a, token: t }) => {
        const headers: Record<string, string> = {};
        if (a !== null) headers.authorization = a;
        if (t !== null) headers.token = t;
        return headers;
      }),
    id: fc.oneof(
      headerText.filter((t) => t.length > 0),
      fc.uuid(),
    ),
  }),
);

// --- sending ----------------------------------------------------------------------------

const jsonMember = ([key, v]: [string, unknown]) => `${JSON.stringify(key)}:${JSON.stringify(v) ?? "null"}`;

/** The request as sent: GET and DELETE carry their fields in the query string. */
function wire(input: Generated): { path: string; raw?: string; contentType?: string } {
  const path = input.route.path.replaceAll(":id", encodeURIComponent(input.id));
  const { body: b } = input;
  if (!WITH_BODY.has(input.route.method)) {
    const query = b.kind === "form" ? new URLSearchParams(b.entries).toString() : "";
    return { path: query ? `${path}?${query}` : path };
  }
  switch (b.kind) {
    case "json":
      return { path, raw: `{${b.entries.map(jsonMember).join(",")}}`, contentType: "application/json" };
    case "json-value":
      return { path, raw: JSON.stringify(b.value) ?? "null", contentType: "application/json" };
    case "form":
      return { path, raw: new URLSearchParams(b.entries).toString(), contentType: "application/x-www-form-urlencoded" };
    case "raw":
      return { path, raw: b.text, ...(b.contentType ? { contentType: b.contentType } : {}) };
  }
}

describe("fuzzing every route of every front door", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
    // Real credentials and tokens from each front door, for the generators to reuse.
    const extended = await gh.post("/api/auth/register", { json: { username: "fuzzer", password: PASSWORD } });
    assert.equal(extended.body.code, 0);
    const login = await gh.post("/api/auth/login", { json: { username: "fuzzer", password: PASSWORD } });
    known.tokens.push(login.body.data.access_token, login.body.data.refresh_token);
    const jwtAuth = await gh.post("/register", { json: { uid: "fuzzer2", email: "fuzzer@example.com", password: PASSWORD } });
    known.tokens.push(jwtAuth.body.data.access_token);
    const terminal = await gh.post("/auth/login", { json: { username: "fuzzer", password: PASSWORD, terminal: "t1" } });
    known.tokens.push(terminal.body.token);
    const spring = gh.config.dialectSettings["spring-oauth"] as { clientId: string; clientSecret: string };
    known.basic.push(Buffer.from(`${spring.clientId}:${spring.clientSecret}`).toString("base64"));
    const springLogin = await gh.post("/oauth/token", {
      form: { grant_type: "password", username: "fuzzer", password: PASSWORD },
      headers: { authorization: `Basic ${known.basic[0]}` },
    });
    known.tokens.push(springLogin.body.access_token, springLogin.body.refresh_token);
    const admin = await gh.server.core.register({ username: "fuzz_admin", password: PASSWORD, roles: ["ADMIN"] });
    const adminLogin = await gh.post("/oauth/token", {
      form: { grant_type: "password", username: "fuzz_admin", password: PASSWORD },
      headers: { authorization: `Basic ${known.basic[0]}` },
    });
    known.admin.push(adminLogin.body.access_token);
    assert.ok(admin.id);
    assert.ok([...known.tokens, ...known.admin].every((token) => typeof token === "string" && token.length > 0));
  });
  after(() => gh.close());

  it("never answers 5xx, always in the front door's shape, and stays up", async (t) => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const numRuns = Number(process.env.FUZZ_RUNS ?? 400);
    t.diagnostic(`FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns}`);
    const seen: Record<string, number> = {};
    const property = fc.asyncProperty(generated, async (input) => {
      const { path, raw, contentType } = wire(input);
      const response = await gh.request(input.route.method, path, {
        ...(raw !== undefined ? { raw } : {}),
        ...(contentType ? { contentType } : {}),
        headers: input.headers,
      });
      const tally = `${input.route.door} ${response.status}`;
      seen[tally] = (seen[tally] ?? 0) + 1;
      const where = `${input.route.method} ${path} → ${response.status} ${response.text.slice(0, 300)}`;
      assert.ok(response.status < 500, where);
      if (response.text.length > 0) {
        assert.match(response.headers.get("content-type") ?? "", /^application\/json; charset=utf-8$/, where);
        assert.notEqual(typeof response.body, "string", `not JSON: ${where}`);
      }
      assert.ok(inShape(input.route.door, input.route.path, response.status, response.body), `out of shape: ${where}`);
    });
    try {
      await fc.assert(property, { seed, numRuns, endOnFailure: true });
    } catch (error) {
      throw new Error(`fuzzing failed; reproduce with FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns}\n${(error as Error).message}`);
    }
    t.diagnostic(`answers seen: ${JSON.stringify(seen)}`);
    const health = await gh.request("GET", "/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: "ok" });
  });
});
