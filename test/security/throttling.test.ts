// test-databases: each
// Throttling without an account oracle, and per-IP limits against password spraying
// (security S10 and S14).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LOGIN_DOORS, type LoginDoor, prepareLoginDoors, registerAccount } from "../helpers/login-doors.js";
import { type Response, startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const WRONG = "wrong horse battery";
const FAILURES = 30;

/** What a client can observe of a refusal: status, Retry-After and body. */
const observed = (response: Response) => ({
  status: response.status,
  retryAfter: response.headers.get("retry-after"),
  body: response.text,
});

/**
 * 30 failures on `existing` and 30 on `ghost`, sent in pairs at the same moment, so that any
 * time-based answer (a lock, a rate-limit window) is compared at the same instant.
 */
async function failureSequences(
  gh: TestServer,
  door: LoginDoor,
  existing: { username: string; headers?: Record<string, string> },
  ghost: { username: string; headers?: Record<string, string> },
) {
  const seen = { existing: [] as ReturnType<typeof observed>[], ghost: [] as ReturnType<typeof observed>[] };
  for (let i = 0; i < FAILURES; i++) {
    const [a, b] = await Promise.all([
      door.send(gh, existing.username, WRONG, existing.headers),
      door.send(gh, ghost.username, WRONG, ghost.headers),
    ]);
    seen.existing.push(observed(a));
    seen.ghost.push(observed(b));
  }
  return seen;
}

describe("throttling does not reveal whether an account exists (security S10)", () => {
  let gh: TestServer;
  before(async () => {
    // The default lockout (10 failures) trips inside the 30 failures on the existing account.
    gh = await startServer({ LOCKOUT_SECONDS: "60" });
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  for (const [index, door] of LOGIN_DOORS.entries()) {
    it(`30 failures answer identically for an existing and an unknown account: ${door.name}`, async () => {
      await registerAccount(gh, `thr-real-${index}`, PASSWORD);
      const seen = await failureSequences(gh, door, { username: `thr-real-${index}` }, { username: `thr-ghost-${index}` });
      // The unknown account can never succeed, so neither did the existing one.
      assert.deepEqual(seen.existing, seen.ghost);
      // The account was really locked along the way: now even its password is refused.
      assert.equal(door.succeeded(await door.send(gh, `thr-real-${index}`, PASSWORD)), false);
    });
  }
});

describe("throttling does not reveal whether an account exists, per-IP limit included (security S10)", () => {
  let gh: TestServer;
  before(async () => {
    // Each sequence comes from its own client address (through a trusted proxy) with its own counter.
    gh = await startServer({ RATE_LIMIT_MAX: "20", TRUST_PROXY: "127.0.0.1", LOCKOUT_SECONDS: "60" });
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  for (const [index, door] of LOGIN_DOORS.entries()) {
    it(`the 429s come at the same place with the same Retry-After: ${door.name}`, async () => {
      await registerAccount(gh, `thr-limited-${index}`, PASSWORD);
      const seen = await failureSequences(
        gh,
        door,
        { username: `thr-limited-${index}`, headers: { "x-forwarded-for": `198.51.100.${2 * index + 10}` } },
        { username: `thr-nobody-${index}`, headers: { "x-forwarded-for": `198.51.100.${2 * index + 11}` } },
      );
      // Retry-After counts down whole seconds from each address's first request; the two
      // addresses' windows open a few milliseconds apart, so one pair may straddle a second.
      const withoutWait = (answers: typeof seen.existing) =>
        answers.map(({ retryAfter, ...rest }) => ({ ...rest, wait: retryAfter !== null }));
      assert.deepEqual(withoutWait(seen.existing), withoutWait(seen.ghost));
      seen.existing.forEach((answer, i) => {
        const gap = Math.abs(Number(answer.retryAfter) - Number(seen.ghost[i]?.retryAfter));
        assert.ok(gap <= 1, `request ${i + 1}: Retry-After ${answer.retryAfter} vs ${seen.ghost[i]?.retryAfter}`);
      });
      // The registration came from 127.0.0.1 and does not count: 20 allowed, then 10 refusals.
      assert.deepEqual(
        seen.existing.map((answer) => answer.status === 429),
        Array.from({ length: FAILURES }, (_, i) => i >= 20),
      );
      assert.ok(seen.existing.slice(20).every((answer) => Number(answer.retryAfter) >= 1));
    });
  }
});

/** A password attempt that counts against the per-IP limit. */
const spray = (gh: TestServer, username: string, headers: Record<string, string> = {}) =>
  gh.post("/api/auth/login", { json: { username, password: "Spring2024!spray" }, headers });

describe("per-IP limit against password spraying, default RATE_LIMIT_MAX=300 (security S14)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ RATE_LIMIT_MAX: "300" });
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  it("1000 usernames with one password from one address: 300 tried, then 429 with Retry-After, whatever X-Forwarded-For says", async () => {
    const answers: Response[] = [];
    // Four at a time: each of the first 300 costs an Argon2id verification.
    for (let i = 0; i < 1000; i += 4) {
      const batch = [0, 1, 2, 3].map((k) => spray(gh, `spray-${i + k}`, { "x-forwarded-for": `203.0.113.${(i + k) % 250}` }));
      answers.push(...(await Promise.all(batch)));
    }
    const limited = answers.filter((answer) => answer.status === 429);
    assert.equal(answers.length - limited.length, 300, "requests let through");
    for (const answer of answers.slice(300)) {
      assert.equal(answer.status, 429, answer.text);
      const retryAfter = Number(answer.headers.get("retry-after"));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    }
    // The limit is per address, not per front door.
    const grant = await LOGIN_DOORS[0]!.send(gh, "spray-grant", "Spring2024!spray");
    assert.equal(grant.status, 429, grant.text);
    assert.deepEqual(grant.body, { error: "rate_limited" });
  });
});

describe("TRUST_PROXY decides which address is counted (security S14)", () => {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((gh) => gh.close())));
  const start = async (env: Record<string, string>) => {
    const gh = await startServer({ RATE_LIMIT_MAX: "5", ...env });
    servers.push(gh);
    return gh;
  };
  const allowedBeforeLimit = async (gh: TestServer, forwardedFor: (i: number) => string) => {
    for (let i = 0; i < 12; i++) {
      if ((await spray(gh, `xff-${i}`, { "x-forwarded-for": forwardedFor(i) })).status === 429) return i;
    }
    return 12;
  };

  it("a proxy list that does not name the peer: X-Forwarded-For is ignored", async () => {
    const gh = await start({ TRUST_PROXY: "10.0.0.0/8,192.0.2.1" });
    assert.equal(await allowedBeforeLimit(gh, (i) => `203.0.113.${i + 1}`), 5);
  });

  it("a trusted proxy: the address it appends is counted, not what the client put before it", async () => {
    const gh = await start({ TRUST_PROXY: "127.0.0.1" });
    assert.equal(await allowedBeforeLimit(gh, (i) => `203.0.113.${i + 1}, 198.51.100.7`), 5);
  });

  it("the counted address is the one recorded for the session", async () => {
    for (const [env, expected] of [
      [{ TRUST_PROXY: "127.0.0.1" }, "198.51.100.9"],
      [{ TRUST_PROXY: "false" }, "127.0.0.1"],
      [{ TRUST_PROXY: "10.0.0.0/8" }, "127.0.0.1"],
    ] as const) {
      const gh = await start({ ...env, RATE_LIMIT_MAX: "100" });
      await registerAccount(gh, "ip-owner", PASSWORD);
      const headers = { "x-forwarded-for": "203.0.113.66, 198.51.100.9" };
      const login = await gh.post("/auth/login", { json: { username: "ip-owner", password: PASSWORD, terminal: "t" }, headers });
      assert.equal(login.status, 200, login.text);
      const list = await gh.request("GET", "/v1/me/sessions", { headers: { authorization: `Bearer ${login.body.token}` } });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.body.sessions.map((s: { ip: string }) => s.ip),
        [expected],
        JSON.stringify(env),
      );
    }
  });
});
