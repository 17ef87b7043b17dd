// test-databases: one
// security S9: no timing oracle on the password grant. Unknown users, wrong passwords and
// disabled accounts (the right password, which is the case that differs in code) must cost the
// same, with short and 200-character passwords. Samples of all classes are interleaved in random
// order and sent one at a time to a server running as a process of its own; pass if every pair
// of classes has medians less than 5 ms apart and a Mann-Whitney U test that is not significant
// at α = 0.01. Runs once, on SQLite: timing is a property of the code path, not of the database
// (this file imports neither helpers/server nor helpers/database, so the PostgreSQL pass skips it).
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";

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

// --- statistics ---------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

/** Two-sided p-value of the Mann-Whitney U test (normal approximation with tie correction). */
function mannWhitneyP(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j + 2) / 2;
    const size = j - i + 1;
    tieTerm += size ** 3 - size;
    for (let k = i; k <= j; k++) if ((all[k] as { g: number }).g === 0) rankSumA += rank;
    i = j + 1;
  }
  const [n1, n2] = [a.length, b.length];
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance === 0) return 1;
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return Math.min(1, erfc(Math.max(z, 0) / Math.SQRT2));
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

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

    for (const cls of CLASSES) {
      const values = times[cls];
      const sorted = [...values].sort((a, b) => a - b);
      const p90 = sorted[Math.floor(sorted.length * 0.9)] as number;
      t.diagnostic(`${cls}: n=${values.length} median=${median(values).toFixed(2)} ms p90=${p90.toFixed(2)} ms`);
    }
    const problems: string[] = [];
    for (let i = 0; i < CLASSES.length; i++) {
      for (let j = i + 1; j < CLASSES.length; j++) {
        const [a, b] = [CLASSES[i] as ClassName, CLASSES[j] as ClassName];
        const gap = Math.abs(median(times[a]) - median(times[b]));
        const p = mannWhitneyP(times[a], times[b]);
        t.diagnostic(`${a} vs ${b}: median gap ${gap.toFixed(2)} ms, Mann-Whitney p=${p.toExponential(2)}`);
        if (gap >= MAX_MEDIAN_GAP_MS) problems.push(`${a} vs ${b}: medians ${gap.toFixed(2)} ms apart`);
        if (p < ALPHA) problems.push(`${a} vs ${b}: Mann-Whitney p=${p.toExponential(2)} < ${ALPHA}`);
      }
    }
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
