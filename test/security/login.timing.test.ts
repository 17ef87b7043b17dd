// test-databases: one
// security S9: no timing oracle on the password grant. Unknown users, wrong passwords and
// disabled accounts (the right password, which is the case that differs in code) must cost the
// same, with short and 200-character passwords. Samples of all classes are interleaved in random
// order and sent one at a time to a server running as a process of its own; pass if every pair
// of classes has medians less than 5 ms apart and a Mann-Whitney U test that is not significant
// at α = 0.01. Runs once, on SQLite: timing is a property of the code path, not of the database
// (this file imports neither helpers/server nor helpers/database, so the PostgreSQL pass skips it).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { mannWhitneyP, median, shuffle, timingProblems } from "../helpers/timing.js";

const SAMPLES_PER_CLASS = Number(process.env.TIMING_SAMPLES ?? 500);
const WARM_UP_PER_CLASS = 30;
const MAX_MEDIAN_GAP_MS = 5;
const ALPHA = 0.01;
/** Wrong-password samples are spread over this many accounts per length, far below the lockout threshold. */
const WRONG_ACCOUNTS = 8;

const SHORT = { name: "short", password: (tag: string) => `tb-${tag}-horse-93` };
const LONG = { name: "200-char", password: (tag: string) => `tb-${tag}-`.padEnd(200, "qz7") };
const LENGTHS = [SHORT, LONG];
type Length = (typeof LENGTHS)[number];

type ClassName = "unknown user" | "wrong password" | "disabled user";
const CLASSES: ClassName[] = ["unknown user", "wrong password", "disabled user"];
type Sample = { cls: ClassName; length: Length; index: number };

// --- the server under test ----------------------------------------------------------------

describe("no timing oracle on the password grant (security S9)", { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-timing-"));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, "timing.db")}`,
    LOG_LEVEL: "info",
    // Wrong-password samples must never lock an account: a lock is a different code path.
    LOCKOUT_THRESHOLD: "100",
    // Long enough that a 200-character password is hashed, not refused before hashing.
    PASSWORD_MAX_LENGTH: "256",
  };
  let gh: GatehouseProcess;

  const wrongUser = (length: Length, index: number) => `tb-wrong-${length.name}-${index % WRONG_ACCOUNTS}`;
  const disabledUser = (length: Length) => `tb-disabled-${length.name}`;

  async function register(username: string, password: string): Promise<void> {
    const response = await fetch(`${gh.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const body = (await response.json()) as { code: number; msg: string };
    assert.equal(body.code, 0, `register ${username}: ${body.msg}`);
  }

  before(async () => {
    gh = await spawnGatehouse(env);
    for (const length of LENGTHS) {
      for (let i = 0; i < WRONG_ACCOUNTS; i++) await register(wrongUser(length, i), length.password(`right-${i}`));
      await register(disabledUser(length), length.password("disabled"));
      const disabled = await runCli(["user", "disable", disabledUser(length)], env);
      assert.equal(disabled.code, 0, disabled.stderr);
    }
  });
  after(async () => {
    await gh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The credentials a sample sends: always a failure, of the sample's length. */
  function credentials({ cls, length, index }: Sample): { username: string; password: string } {
    switch (cls) {
      case "unknown user":
        return { username: `tb-ghost-${length.name}-${index}`, password: length.password(`guess-${index % 7}`) };
      case "wrong password":
        return { username: wrongUser(length, index), password: length.password(`guess-${index % 7}`) };
      case "disabled user":
        return { username: disabledUser(length), password: length.password("disabled") };
    }
  }

  /** Sends one password grant and returns its round-trip time in ms; every class must fail alike. */
  async function timed(sample: Sample): Promise<number> {
    const body = new URLSearchParams({
      grant_type: "password",
      client_id: "watup",
      client_secret: "watup",
      ...credentials(sample),
    });
    const started = performance.now();
    const response = await fetch(`${gh.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    assert.equal(response.status, 400, `${sample.cls}: ${text}`);
    assert.equal(text, '{"error":"invalid_grant","error_description":"用户名或密码错误"}', sample.cls);
    return elapsed;
  }

  function schedule(perClass: number): Sample[] {
    const samples: Sample[] = [];
    for (const cls of CLASSES) {
      for (let i = 0; i < perClass; i++) samples.push({ cls, length: LENGTHS[i % LENGTHS.length] as Length, index: i });
    }
    return shuffle(samples);
  }

  it(`unknown user, wrong password and disabled user cost the same (${SAMPLES_PER_CLASS} samples each)`, async (t) => {
    for (const sample of schedule(WARM_UP_PER_CLASS)) await timed(sample);
    const times: Record<ClassName, number[]> = { "unknown user": [], "wrong password": [], "disabled user": [] };
    for (const sample of schedule(SAMPLES_PER_CLASS)) times[sample.cls].push(await timed(sample));

    const problems = timingProblems(t, times, { maxMedianGapMs: MAX_MEDIAN_GAP_MS, alpha: ALPHA });
    assert.deepEqual(problems, [], "a timing difference tells the classes apart");
  });
});

describe("the Mann-Whitney U test used above", () => {
  it("finds no difference between samples of one distribution, and finds a shift", () => {
    const base = Array.from({ length: 500 }, (_, i) => 20 + ((i * 7919) % 101) / 10);
    const same = Array.from({ length: 500 }, (_, i) => 20 + ((i * 104729 + 13) % 101) / 10);
    assert.ok(mannWhitneyP(base, same) > 0.5);
    assert.ok(
      mannWhitneyP(
        base,
        base.map((v) => v + 1),
      ) < 1e-6,
    );
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});
