// test-databases: each
// Hostile input at the edge: duplicate JSON names, deep nesting, charsets, undeclared methods,
// strict JOSE headers and CORS (security S21, S50, S58, S63, S64, S66, S67).
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { findJsonProblem } from "../../src/core/strict-json.js";
import { startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const SECRET = randomBytes(32).toString("hex");

/** One front door: a JSON route on it, a body it accepts, and its malformed-body answer. */
type Door = { name: string; path: string; fields: (username: string) => Record<string, string>; malformed: unknown };

const DOORS: Door[] = [
  {
    name: "jwt-extended",
    path: "/api/auth/register",
    fields: (username) => ({ username, password: PASSWORD }),
    malformed: { code: 1, data: null, msg: "请求体格式错误" },
  },
  {
    name: "jwt-auth",
    path: "/register",
    fields: (uid) => ({ uid, email: `${uid}@example.com`, password: PASSWORD }),
    malformed: { success: false, message: "Bad Request", data: [] },
  },
  {
    name: "terminal",
    path: "/auth/register",
    fields: (username) => ({ username, password: PASSWORD }),
    malformed: { message: "the body is not valid JSON" },
  },
  {
    name: "spring-oauth",
    path: "/oauth/checkUserId",
    fields: (id) => ({ id }),
    malformed: { code: 400, message: "请求体格式错误", data: null },
  },
];

/** JSON text for `entries`, in order, repeated names included (an object literal cannot hold them). */
const jsonText = (entries: [string, unknown][]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;

/** A raw request, for what fetch refuses to send (TRACE) and to see every header as sent. */
function rawRequest(url: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpRequest(new URL(url), { method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const b64 = (text: string) => Buffer.from(text).toString("base64url");

/** An HS256 token over exactly this header and payload text, signed with the server's secret. */
function hs256(headerText: string, payloadText: string): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

describe("the strict JSON scanner", () => {
  it("finds repeated names per object, after unescaping, and nothing else", () => {
    assert.equal(findJsonProblem('{"username":"alice","username":"admin"}'), "duplicate_key");
    assert.equal(findJsonProblem('{"a":"x","\\u0061":"y"}'), "duplicate_key");
    assert.equal(findJsonProblem('{"a":{"b":1,"b":2}}'), "duplicate_key");
    assert.equal(findJsonProblem('[{"b":1},{"b":2}]'), null);
    assert.equal(findJsonProblem('{"a":{"b":1},"b":{"a":2},"c":["a","a"],"d":"a"}'), null);
    assert.equal(findJsonProblem('{"a\\"":1,"a":2}'), null);
    assert.equal(findJsonProblem('{"x":"{\\"y\\":1,\\"y\\":2}"}'), null);
  });

  it("bounds nesting and stays linear on large input", () => {
    assert.equal(findJsonProblem("[".repeat(33) + "]".repeat(33)), "too_deep");
    assert.equal(findJsonProblem("[".repeat(32) + "]".repeat(32)), null);
    assert.equal(findJsonProblem("[".repeat(1_000_000)), "too_deep");
    // Far beyond any body the server accepts (16 KB by default); generous for a busy machine.
    const wide = jsonText(Array.from({ length: 20_000 }, (_, i) => [`k\\u00${i % 10}${i}`, i] as [string, unknown]));
    const started = performance.now();
    assert.equal(findJsonProblem(wide), null);
    assert.ok(performance.now() - started < 1000);
  });
});

describe("hostile input at every front door", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ JWT_ALG: "HS256", JWT_SECRET: SECRET });
  });
  after(() => gh.close());

  it("refuses duplicate JSON member names with 400 in each front door's shape (security S58)", async () => {
    for (const door of DOORS) {
      const fields = Object.entries(door.fields("dupe-victim"));
      const duplicated = jsonText([...fields, [fields[0]![0], "admin"]]);
      const response = await gh.post(door.path, { raw: duplicated, contentType: "application/json" });
      assert.equal(response.status, 400, door.name);
      assert.deepEqual(response.body, door.malformed, door.name);
      const nested = jsonText([...fields, ["extra", { a: 1 }]]).replace('{"a":1}', '{"a":1,"a":2}');
      const deep = await gh.post(door.path, { raw: nested, contentType: "application/json" });
      assert.equal(deep.status, 400, `${door.name} nested`);
    }
    // Neither name was registered.
    const login = await gh.post("/api/auth/login", { json: { username: "admin", password: PASSWORD } });
    assert.deepEqual(login.body, { code: 1, data: null, msg: "登录失败" });
    const escaped = await gh.post("/api/auth/login", {
      raw: '{"username":"alice","\\u0075sername":"admin","password":"x"}',
      contentType: "application/json",
    });
    assert.equal(escaped.status, 400);
  });

  it("refuses deep nesting with 400 and a huge one with 413 (security S64)", async () => {
    for (const door of DOORS) {
      const deep = await gh.post(door.path, { raw: "[".repeat(5000) + "]".repeat(5000), contentType: "application/json" });
      assert.equal(deep.status, 400, door.name);
      assert.deepEqual(deep.body, door.malformed, door.name);
    }
    // The OAuth endpoints take form parameters only: JSON, nested or not, is refused unread.
    const oauth = await gh.post("/oauth/token", { raw: "[".repeat(5000) + "]".repeat(5000), contentType: "application/json" });
    assert.equal(oauth.status, 415);
    assert.deepEqual(oauth.body, { error: "unsupported_media_type" });
    const huge = await gh.post("/api/auth/login", { raw: "[".repeat(100_000), contentType: "application/json" });
    assert.equal(huge.status, 413);
    assert.equal((await gh.request("GET", "/healthz")).status, 200);
  });

  it("refuses a charset other than UTF-8 with 415 and accepts UTF-8 spelled any way (security S63)", async () => {
    const body = JSON.stringify({ grant_type: "password" });
    for (const charset of ["utf-16", "UTF-16LE", '"iso-8859-1"', "latin1"]) {
      for (const door of DOORS) {
        const response = await gh.post(door.path, { raw: body, contentType: `application/json; charset=${charset}` });
        assert.equal(response.status, 415, `${door.name} ${charset}`);
        assert.equal(typeof response.body, "object", door.name);
      }
      const form = await gh.post("/oauth/token", {
        raw: "grant_type=password",
        contentType: `application/x-www-form-urlencoded; charset=${charset}`,
      });
      assert.equal(form.status, 415);
      assert.deepEqual(form.body, { error: "unsupported_media_type" });
    }
    for (const charset of ["utf-8", "UTF-8", '"utf-8"']) {
      const response = await gh.post("/api/auth/login", {
        raw: JSON.stringify({ username: "nobody", password: PASSWORD }),
        contentType: `application/json; charset=${charset}`,
      });
      assert.deepEqual(response.body, { code: 1, data: null, msg: "登录失败" }, charset);
    }
  });

  it("answers an undeclared method on a known path with 405 and Allow (security S50, S67)", async () => {
    const cases: [string, string, string, unknown][] = [
      ["GET", "/oauth/token", "POST", { error: "method_not_allowed" }],
      ["PUT", "/oauth/introspect", "POST", { error: "method_not_allowed" }],
      ["DELETE", "/oauth/revoke", "POST", { error: "method_not_allowed" }],
      ["POST", "/healthz", "GET, HEAD", { error: "method_not_allowed" }],
      ["POST", "/v1/me/sessions/some-id", "DELETE", { error: "method_not_allowed" }],
      ["GET", "/api/auth/login", "POST", { code: 1, data: null, msg: "请求方法不被允许" }],
      ["PATCH", "/auth/login", "POST", { message: "method not allowed" }],
      ["PUT", "/oauth/check_token", "GET, HEAD, POST", { error: "method_not_allowed" }],
      ["GET", "/login", "POST", { success: false, message: "Method Not Allowed", data: [] }],
      ["DELETE", "/me", "GET, HEAD", { success: false, message: "Method Not Allowed", data: [] }],
    ];
    for (const [method, path, allow, body] of cases) {
      const response = await gh.request(method, path);
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get("allow"), allow, `${method} ${path}`);
      assert.deepEqual(response.body, body, `${method} ${path}`);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    }
    // Unknown paths stay 404.
    assert.equal((await gh.request("GET", "/no/such/path")).status, 404);
    assert.deepEqual((await gh.request("GET", "/api/auth/nothing")).body, { code: 1, data: null, msg: "接口不存在" });
  });

  it("answers TRACE with 405 everywhere and never echoes the request (security S67)", async () => {
    for (const path of ["/healthz", "/oauth/token", "/api/auth/login", "/auth/login", "/login", "/nothing"]) {
      const response = await rawRequest(gh.url + path, "TRACE", { authorization: "Bearer secret-canary" });
      assert.equal(response.status, 405, path);
      assert.ok(typeof response.headers.allow === "string", path);
      assert.equal(response.body.includes("secret-canary"), false);
    }
  });

  it("sends no CORS grant to a foreign or null origin (security S66)", async () => {
    for (const origin of ["https://evil.test", "null"]) {
      for (const [method, path] of [
        ["GET", "/healthz"],
        ["POST", "/oauth/token"],
        ["POST", "/api/auth/login"],
        ["OPTIONS", "/oauth/token"],
        ["OPTIONS", "/api/auth/login"],
      ] as const) {
        const response = await rawRequest(gh.url + path, method, {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        });
        const cors = Object.keys(response.headers).filter((name) => name.startsWith("access-control-"));
        assert.deepEqual(cors, [], `${method} ${path} from ${origin}`);
        assert.ok(response.status < 500);
      }
    }
  });

  describe("JOSE headers and claims are parsed strictly (security S21)", () => {
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    const entries = (record: Record<string, unknown>) => Object.entries(record);

    before(async () => {
      const registered = await gh.post("/register", { json: { uid: "jose", email: "jose@example.com", password: PASSWORD } });
      assert.equal(registered.status, 200);
      const [h, p] = (registered.body.data.access_token as string).split(".");
      header = JSON.parse(Buffer.from(h!, "base64url").toString("utf8"));
      payload = JSON.parse(Buffer.from(p!, "base64url").toString("utf8"));
      assert.equal(header.alg, "HS256");
    });

    const me = (token: string) => gh.request("GET", "/me", { headers: { authorization: `Bearer ${token}` } });
    const UNAUTHORIZED = { success: false, message: "Unauthorized", data: [] };

    it("accepts a token re-signed over the same header and claims (the control)", async () => {
      const response = await me(hs256(jsonText(entries(header)), jsonText(entries(payload))));
      assert.equal(response.status, 200);
      assert.equal(response.body.data.uid, "jose");
    });

    it("rejects a header with two alg members, none first", async () => {
      const token = hs256(jsonText([["alg", "none"], ...entries(header)]), jsonText(entries(payload)));
      assert.deepEqual((await me(token)).body, UNAUTHORIZED);
      const refresh = await gh.post("/api/auth/logout", { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(refresh.body, { msg: "Invalid header string" });
    });

    it("rejects any repeated header or claim name", async () => {
      const twoKids = hs256(jsonText([...entries(header), ["kid", "other"]]), jsonText(entries(payload)));
      assert.deepEqual((await me(twoKids)).body, UNAUTHORIZED);
      const twoSubs = hs256(jsonText(entries(header)), jsonText([["sub", 999_999], ...entries(payload)]));
      assert.deepEqual((await me(twoSubs)).body, UNAUTHORIZED);
    });

    it("rejects an unknown or unsatisfied crit", async () => {
      for (const crit of [["b64"], ["x-unknown"], ["exp"]]) {
        const token = hs256(jsonText([...entries(header), ["crit", crit]]), jsonText(entries(payload)));
        assert.deepEqual((await me(token)).body, UNAUTHORIZED, JSON.stringify(crit));
      }
    });
  });
});
