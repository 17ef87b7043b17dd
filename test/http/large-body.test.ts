// test-databases: one
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LINGER_MAX_BYTES, LINGER_MAX_MS } from "../../src/http/lingering-close.js";
import { type Exchange, openUpload, parseAnswer } from "../helpers/raw-upload.js";
import { startServer, type TestServer } from "../helpers/server.js";

const FIVE_MB = 5 * 1024 * 1024;
const TOO_LARGE_DIALECT = { code: 1, data: null, msg: "请求体过大" };
const TOO_LARGE_OAUTH = { error: "request_too_large" };
const jsonBody = (bytes: number) => JSON.stringify({ username: "big", password: "x".repeat(bytes) });
const formBody = (bytes: number) => `grant_type=password&username=big&password=${"x".repeat(bytes)}`;

/** Writes the whole body, and only then reads the answer, as most HTTP libraries do. */
async function uploadThenRead(gh: TestServer, path: string, headers: Record<string, string>, body: Buffer) {
  const started = performance.now();
  const upload = await openUpload(gh.url, path, { "content-length": String(body.length), ...headers });
  const written = await upload.write(body);
  upload.startReading();
  const exchange = await upload.ended;
  return { written, exchange, totalMs: performance.now() - started };
}

/** The longest a request to /healthz took, asked every 200 ms until `until` settles. */
async function healthLatencyWhile(gh: TestServer, until: Promise<unknown>): Promise<{ worstMs: number; asked: number }> {
  let settled = false;
  void until.finally(() => (settled = true));
  let worstMs = 0;
  let asked = 0;
  while (!settled) {
    const started = performance.now();
    const response = await fetch(`${gh.url}/healthz`);
    await response.text();
    assert.equal(response.status, 200);
    worstMs = Math.max(worstMs, performance.now() - started);
    asked += 1;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { worstMs, asked };
}

describe("a refused body is read and discarded before the connection closes", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer();
  });
  after(() => gh.close());

  it("gives Node's fetch a readable 413 for a 5 MB body, in each front door's format", async () => {
    const dialect = await fetch(`${gh.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: jsonBody(FIVE_MB),
    });
    assert.equal(dialect.status, 413);
    assert.deepEqual(await dialect.json(), TOO_LARGE_DIALECT);
    const oauth = await fetch(`${gh.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: formBody(FIVE_MB),
    });
    assert.equal(oauth.status, 413);
    assert.equal(oauth.headers.get("connection"), "close");
    assert.deepEqual(await oauth.json(), TOO_LARGE_OAUTH);
  });

  it("lets a client that writes the whole 5 MB before reading see the 413, then closes at once", async () => {
    const cases = [
      { path: "/api/auth/register", type: "application/json", body: jsonBody(FIVE_MB), answer: TOO_LARGE_DIALECT },
      { path: "/oauth/token", type: "application/x-www-form-urlencoded", body: formBody(FIVE_MB), answer: TOO_LARGE_OAUTH },
    ];
    for (const { path, type, body, answer } of cases) {
      const { written, exchange, totalMs } = await uploadThenRead(gh, path, { "content-type": type }, Buffer.from(body));
      assert.equal(written, true, `${path}: the whole body was accepted (${exchange.error})`);
      assert.equal(exchange.error, null, path);
      const { status, headers, body: received } = parseAnswer(exchange.received);
      assert.equal(status, 413, path);
      assert.match(headers, /\r\nconnection: close(\r\n|$)/);
      assert.deepEqual(received, answer, path);
      // The body ended within the bound: the server closed then, not at the time bound.
      assert.ok(totalMs < LINGER_MAX_MS - 1_000, `${path}: closed after ${Math.round(totalMs)} ms`);
    }
  });

  it("does the same for answers given before the body is read, to a client that asked to close", async () => {
    const cases = [
      { path: "/oauth/token", type: "text/plain", status: 415, answer: { error: "unsupported_media_type" } },
      {
        path: "/api/auth/register",
        type: "application/xml",
        status: 415,
        answer: { ...TOO_LARGE_DIALECT, msg: "不支持的请求格式，请使用 JSON 或表单" },
      },
      { path: "/no/such/path", type: "text/plain", status: 404, answer: { error: "not_found" } },
    ];
    for (const { path, type, status, answer } of cases) {
      const headers = { "content-type": type, connection: "close" };
      // Within the body limit, so that nothing but the route or the media type refuses it.
      const { written, exchange } = await uploadThenRead(gh, path, headers, Buffer.alloc(FIVE_MB, "x"));
      assert.equal(written, true, `${path}: the whole body was accepted (${exchange.error})`);
      assert.equal(exchange.error, null, path);
      const parsed = parseAnswer(exchange.received);
      assert.equal(parsed.status, status, path);
      assert.deepEqual(parsed.body, answer, path);
    }
  });

  it("keeps connections alive for bodies that were read", async () => {
    const login = await gh.post("/api/auth/login", { json: { username: "nobody", password: "wrong password" } });
    assert.equal(login.status, 200);
    assert.equal(login.headers.get("connection"), "keep-alive");
  });

  it("cuts off a body beyond the byte bound at once and goes on serving", async () => {
    const upload = await openUpload(gh.url, "/api/auth/register", {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
    });
    upload.startReading();
    const chunk = Buffer.alloc(64 * 1024, "x");
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
    // An endless body: the client writes until the server ends the connection.
    while (await upload.write(framed));
    const exchange: Exchange = await upload.ended;
    const { status, body } = parseAnswer(exchange.received);
    assert.equal(status, 413);
    assert.deepEqual(body, TOO_LARGE_DIALECT);
    assert.ok(exchange.sent > LINGER_MAX_BYTES, `the server read on past the answer (${exchange.sent} bytes sent)`);
    assert.ok(exchange.closedAfterAnswerMs < LINGER_MAX_MS / 2, `closed by the byte bound (${exchange.closedAfterAnswerMs} ms)`);
    const started = performance.now();
    assert.equal((await gh.request("GET", "/healthz")).status, 200);
    assert.ok(performance.now() - started < 1_000);
  });

  it("cuts off slow uploaders at the time bound while everyone else is served", async () => {
    // Two uploaders announce 50 MB and trickle 100 bytes every 50 ms: one over the body limit,
    // one in a media type nobody reads.
    const announced = String(50 * 1024 * 1024);
    const slow = await Promise.all([
      openUpload(gh.url, "/api/auth/register", { "content-type": "application/json", "content-length": announced }),
      openUpload(gh.url, "/oauth/token", { "content-type": "text/plain", "content-length": announced }),
    ]);
    const trickles = slow.map(async (upload) => {
      upload.startReading();
      while (await upload.write(Buffer.alloc(100, "x"))) await new Promise((resolve) => setTimeout(resolve, 50));
      return upload.ended;
    });
    const ended = Promise.all(trickles);
    const { worstMs, asked } = await healthLatencyWhile(gh, ended);
    const [tooLarge, unsupported] = await ended;
    assert.deepEqual(parseAnswer(tooLarge!.received).body, TOO_LARGE_DIALECT);
    assert.deepEqual(parseAnswer(unsupported!.received).body, { error: "unsupported_media_type" });
    for (const exchange of [tooLarge!, unsupported!]) {
      assert.ok(exchange.closedAfterAnswerMs > LINGER_MAX_MS - 300, `lingered ${Math.round(exchange.closedAfterAnswerMs)} ms`);
      assert.ok(exchange.closedAfterAnswerMs < LINGER_MAX_MS + 2_000, `lingered ${Math.round(exchange.closedAfterAnswerMs)} ms`);
    }
    assert.ok(asked >= 10, `${asked} health checks meanwhile`);
    assert.ok(worstMs < 1_000, `the slowest health check took ${Math.round(worstMs)} ms`);
  });
});

describe("a rate-limited upload", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ RATE_LIMIT_MAX: "1" });
  });
  after(() => gh.close());

  it("gets its 429 even when the client writes the whole body first and asked to close", async () => {
    await gh.post("/api/auth/login", { json: { username: "first", password: "uses the one request" } });
    const headers = { "content-type": "application/json", connection: "close" };
    const { written, exchange } = await uploadThenRead(gh, "/api/auth/login", headers, Buffer.from(jsonBody(FIVE_MB)));
    assert.equal(written, true, `the whole body was accepted (${exchange.error})`);
    assert.equal(exchange.error, null);
    const { status, headers: answerHeaders, body } = parseAnswer(exchange.received);
    assert.equal(status, 429);
    assert.match(answerHeaders, /\r\nretry-after: \d+/);
    assert.deepEqual(body, { code: 1, data: null, msg: "请求过于频繁，请稍后重试" });
  });
});
