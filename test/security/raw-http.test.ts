// test-databases: each
// Hand-written HTTP/1.1 on a raw socket: request smuggling shapes, TRACE, oversized headers,
// and safe methods that must not change state (security S64 and S67).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Client, createClient, createUser, isActive, login } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * Writes `request` as is and collects everything the server sends until it closes the
 * connection (or `waitMs` pass); returns the status of every response in it.
 */
function exchange(url: string, request: string, waitMs = 2000): Promise<{ statuses: number[]; raw: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let raw = "";
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...raw.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((match) => Number(match[1]));
      resolve({ statuses, raw, closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (raw += chunk));
    socket.on("end", () => {
      closed = true;
      finish();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? finish() : reject(error)));
    socket.write(request, "latin1");
  });
}

const lines = (...parts: string[]) => parts.join("\r\n");

describe("raw HTTP/1.1 framing (security S67)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  const smuggled = lines("GET /healthz HTTP/1.1", "Host: smuggled", "", "");

  it("Content-Length together with Transfer-Encoding: chunked → 400, and nothing smuggled is served", async () => {
    for (const te of ["chunked", " chunked", "chunked, identity", "identity, chunked", "xchunked"]) {
      const body = `0\r\n\r\n${smuggled}`;
      const request = lines(
        "POST /oauth/token HTTP/1.1",
        "Host: localhost",
        "Content-Type: application/x-www-form-urlencoded",
        `Content-Length: ${body.length}`,
        `Transfer-Encoding: ${te}`,
        "",
        body,
      );
      const { statuses, raw } = await exchange(gh.url, request);
      assert.ok(
        statuses.every((status) => status >= 400),
        `TE ${JSON.stringify(te)}: ${raw.slice(0, 200)}`,
      );
      assert.ok(statuses.length <= 1, `TE ${JSON.stringify(te)}: a second response was served: ${raw.slice(0, 400)}`);
      if (te === "chunked") assert.deepEqual(statuses, [400], raw.slice(0, 200));
    }
  });

  it("two different Content-Length headers → 400", async () => {
    for (const path of ["/oauth/token", "/api/auth/login"]) {
      const request = lines(
        `POST ${path} HTTP/1.1`,
        "Host: localhost",
        "Content-Type: application/json",
        "Content-Length: 2",
        "Content-Length: 40",
        "",
        `{}${smuggled}`,
      );
      const { statuses, raw } = await exchange(gh.url, request);
      assert.deepEqual(statuses, [400], `${path}: ${raw.slice(0, 200)}`);
    }
    const commaList = lines("POST /oauth/token HTTP/1.1", "Host: localhost", "Content-Length: 2, 40", "", `{}${smuggled}`);
    const { statuses } = await exchange(gh.url, commaList);
    assert.deepEqual(statuses, [400]);
  });

  it("TRACE → 405 with Allow, and the request is not echoed", async () => {
    const request = lines(
      "TRACE /oauth/token HTTP/1.1",
      "Host: localhost",
      "Authorization: Bearer trace-canary",
      "Connection: close",
      "",
      "",
    );
    const { statuses, raw } = await exchange(gh.url, request, 1000);
    assert.equal(statuses[0], 405, raw.slice(0, 200));
    assert.match(raw, /\r\nallow: /i);
    assert.ok(!raw.includes("trace-canary"));
  });

  it("a header section over 16 KB → 431, and the server keeps serving (security S64)", async () => {
    const request = lines("GET /healthz HTTP/1.1", "Host: localhost", `X-Filler: ${"f".repeat(17 * 1024)}`, "", "");
    const { statuses } = await exchange(gh.url, request);
    assert.deepEqual(statuses, [431]);
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${"v".repeat(40)}`);
    assert.deepEqual(
      (await exchange(gh.url, lines("GET /healthz HTTP/1.1", "Host: localhost", ...many, "", ""))).statuses,
      [431],
    );
    assert.deepEqual(
      (await exchange(gh.url, lines("GET /healthz HTTP/1.1", "Host: localhost", "Connection: close", "", ""))).statuses,
      [200],
    );
  });
});

describe("safe and undeclared methods never change state (security S67)", () => {
  let gh: TestServer;
  let web: Client;
  before(async () => {
    gh = await startServer();
    [web] = await Promise.all([createClient(gh, "web"), createUser(gh, "safe-methods")]);
  });
  after(() => gh.close());

  it("GET, HEAD, PUT and OPTIONS on revocation, logout and session deletion revoke nothing", async () => {
    const { access_token: access, refresh_token: refresh } = await login(gh, web, "safe-methods");
    const sid = JSON.parse(Buffer.from(access.split(".")[1], "base64url").toString()).sid as string;
    const credentials = `client_id=web&client_secret=${encodeURIComponent(web.secret!)}`;
    const bearer = { authorization: `Bearer ${access}` };
    const attempts: [string, string, Record<string, string>][] = [
      ["GET", `/oauth/revoke?token=${access}&${credentials}`, {}],
      ["HEAD", `/oauth/revoke?token=${refresh}&${credentials}`, {}],
      ["PUT", `/oauth/revoke?token=${access}&${credentials}`, {}],
      ["GET", "/api/auth/logout", bearer],
      ["HEAD", "/api/auth/logout", bearer],
      ["GET", `/v1/me/sessions/${sid}`, bearer],
      ["HEAD", `/v1/me/sessions/${sid}`, bearer],
      ["OPTIONS", `/v1/me/sessions/${sid}`, bearer],
      ["POST", `/v1/me/sessions/${sid}`, bearer],
    ];
    for (const [method, path, headers] of attempts) {
      const response = await gh.request(method, path, { headers });
      assert.ok([404, 405].includes(response.status), `${method} ${path.split("?")[0]}: ${response.status}`);
      assert.equal(await isActive(gh, web, access), true, `${method} ${path.split("?")[0]} revoked the session`);
    }
    assert.equal(await isActive(gh, web, refresh), true);
  });
});
