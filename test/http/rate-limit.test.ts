// test-databases: each
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

// security S14 and S16: a per-IP limit, keyed on the address Fastify trusts, shared
// across processes through Redis when REDIS_URL is set.

const LIMIT = { RATE_LIMIT_MAX: "5" };
const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const servers: TestServer[] = [];

async function start(env: Record<string, string>): Promise<TestServer> {
  const gh = await startServer(env);
  servers.push(gh);
  return gh;
}

/** A cheap request that counts against the limit: a password grant with no client. */
const spend = (gh: TestServer, headers: Record<string, string> = {}) =>
  gh.post("/oauth/token", { form: { grant_type: "password", username: "nobody", password: "wrong password" }, headers });

function expectLimited(response: Response): void {
  assert.equal(response.status, 429, response.text);
  const retryAfter = Number(response.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("x-ratelimit-remaining"), null);
}

async function spendAllowance(gh: TestServer, headers?: (i: number) => Record<string, string>): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const response = await spend(gh, headers?.(i));
    assert.notEqual(response.status, 429, `request ${i + 1}`);
    // No per-response counter: it would tell apart responses that must be identical (security S8).
    assert.equal(response.headers.get("x-ratelimit-remaining"), null);
  }
}

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("per-IP rate limit", () => {
  after(async () => {
    await Promise.all(servers.map((gh) => gh.close()));
  });

  it("answers the 6th request with 429 and Retry-After, in each front door's own shape", async () => {
    const gh = await start(LIMIT);
    await spendAllowance(gh);

    const token = await spend(gh);
    expectLimited(token);
    assert.deepEqual(token.body, { error: "rate_limited" });

    const extended = await gh.post("/api/auth/login", { json: { username: "u", password: "p" } });
    expectLimited(extended);
    assert.equal(extended.body.msg, "请求过于频繁，请稍后重试");
    assert.notEqual(extended.body.code, 0);

    const terminal = await gh.post("/auth/login", { json: { username: "u", password: "p", terminal: "t" } });
    expectLimited(terminal);
    assert.deepEqual(terminal.body, { message: "too many requests, retry later" });

    const lumen = await gh.post("/login", { json: { uid: "u", password: "p" } });
    expectLimited(lumen);
    assert.equal(lumen.body.message, "Too Many Attempts.");

    const spring = await gh.post("/oauth/login", { json: { username: "u", password: "p" } });
    expectLimited(spring);
    assert.equal(spring.body.message, "请求过于频繁，请稍后重试");
  });

  it("never limits the probes and the public key documents, nor counts them", async () => {
    const gh = await start(LIMIT);
    for (let i = 0; i < 10; i++) {
      for (const path of ["/healthz", "/readyz", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"]) {
        const response = await gh.request("GET", path);
        assert.equal(response.status, 200, `${path}: ${response.text}`);
      }
    }
    await spendAllowance(gh);
    expectLimited(await spend(gh));
    assert.equal((await gh.request("GET", "/healthz")).status, 200);
    assert.equal((await gh.request("GET", "/readyz")).status, 200);
  });

  it("is not reset by a rotating X-Forwarded-For on a direct connection (TRUST_PROXY=false)", async () => {
    const gh = await start(LIMIT);
    await spendAllowance(gh, (i) => ({ "x-forwarded-for": `203.0.113.${i + 1}` }));
    expectLimited(await spend(gh, { "x-forwarded-for": "198.51.100.7" }));
  });

  it("counts each client behind a trusted proxy separately", async () => {
    const gh = await start({ ...LIMIT, TRUST_PROXY: "127.0.0.1" });
    for (let i = 0; i < 8; i++) assert.notEqual((await spend(gh, { "x-forwarded-for": `203.0.113.${i + 1}` })).status, 429);
    await spendAllowance(gh, () => ({ "x-forwarded-for": "198.51.100.7" }));
    expectLimited(await spend(gh, { "x-forwarded-for": "198.51.100.7" }));
  });

  it("fails open, promptly, when Redis cannot be reached, and says so in the log", async () => {
    const gh = await start({ RATE_LIMIT_MAX: "2", REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      assert.notEqual((await spend(gh)).status, 429);
      assert.ok(Date.now() - started < 1000, "a request waited on Redis");
    }
    assert.equal((await gh.request("GET", "/readyz")).status, 200);
    assert.ok(gh.logs.some((line) => line.includes("redis unreachable")));
  });

  it("shares one limit between two servers through Redis", async (t) => {
    if (!(await redisReachable())) {
      if (process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1") assert.fail(`REDIS NOT REACHABLE at ${REDIS_URL}`);
      console.warn(`!!! REDIS NOT REACHABLE at ${REDIS_URL}: the shared rate-limit test is skipped !!!`);
      t.skip(`REDIS NOT REACHABLE at ${REDIS_URL}`);
      return;
    }
    // A prefix of our own, so that parallel runs against the same Redis do not share counters.
    const prefix = `gatehouse-test-${randomUUID()}:`;
    const env = { ...LIMIT, REDIS_URL: `${REDIS_URL}?keyPrefix=${prefix}` };
    const [a, b] = [await start(env), await start(env)];
    for (const gh of [a, b, a, b, a]) assert.notEqual((await spend(gh)).status, 429);
    expectLimited(await spend(b));
    expectLimited(await spend(a));

    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      assert.ok(keys.length > 0 && keys.every((key) => key.startsWith(`${prefix}gatehouse:rate-limit:`)), keys.join());
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
});
