// test-databases: one
// security S93: no enumeration through POST /v1/password-reset and its /confirm. A known
// address (whose mail really goes out: no resend cooldown, a high daily cap), an unknown address
// and a disabled account must get the same status and body and cost the same, by the method of
// login.timing.test.ts: samples of every class interleaved in random order, sent one at a time to
// a server running as a process of its own; pass if every pair of classes has medians less than
// 5 ms apart and a Mann-Whitney U test that is not significant at α = 0.01. Runs once, on SQLite
// (timing is a property of the code path; this file imports neither helpers/server nor
// helpers/database, so the PostgreSQL pass skips it).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { resetCodeFrom, type SmtpReceiver, startSmtpReceiver, waitForMail } from "../helpers/smtp.js";
import { shuffle, timingProblems } from "../helpers/timing.js";

const SAMPLES_PER_CLASS = Number(process.env.TIMING_SAMPLES ?? 400);
const WARM_UP_PER_CLASS = 30;
const MAX_MEDIAN_GAP_MS = 5;
const ALPHA = 0.01;
/** Known-address samples are spread over this many accounts, well under the daily cap each. */
const KNOWN_ACCOUNTS = 8;
const ACCEPTED = '{"status":"accepted"}';

type ClassName = "known address" | "unknown address" | "disabled account";
const CLASSES: ClassName[] = ["known address", "unknown address", "disabled account"];
type Sample = { cls: ClassName; index: number };

const knownAddress = (index: number) => `tr-known-${index % KNOWN_ACCOUNTS}@example.com`;
const DISABLED_ADDRESS = "tr-disabled@example.com";
/** Confirm samples per address between two fresh codes: under the code's limit of 5 attempts. */
const TRIES_PER_CODE = 4;
/** Addresses per class in the confirm test (each class with as many codes, real or decoy). */
const CONFIRM_ADDRESSES = 4;
const confirmAddress = (cls: ClassName, index: number) =>
  cls === "known address"
    ? `tr-confirm-${index}@example.com`
    : cls === "unknown address"
      ? `tr-nobody-${index}@example.com`
      : `tr-off-${index}@example.com`;

describe("no enumeration through the password reset request (security S93)", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-reset-timing-"));
  let smtp: SmtpReceiver;
  let gh: GatehouseProcess;
  let env: Record<string, string>;

  before(async () => {
    smtp = await startSmtpReceiver();
    env = {
      DATABASE_URL: `sqlite:${join(dir, "timing.db")}`,
      LOG_LEVEL: "info",
      SMTP_URL: smtp.url,
      CODE_RESEND_COOLDOWN: "0",
      CODE_DAILY_CAP: "1000",
    };
    for (let i = 0; i < KNOWN_ACCOUNTS; i++) await createUser(`tr-known-${i}`, knownAddress(i));
    await createDisabledUser("tr-disabled", DISABLED_ADDRESS);
    // Accounts of their own for the confirm test: as many earlier codes per address as the other classes.
    for (let i = 0; i < CONFIRM_ADDRESSES; i++) await createUser(`tr-confirm-${i}`, confirmAddress("known address", i));
    for (let i = 0; i < CONFIRM_ADDRESSES; i++) await createDisabledUser(`tr-off-${i}`, confirmAddress("disabled account", i));
    gh = await spawnGatehouse(env);
  });
  after(async () => {
    await gh?.stop();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function createUser(username: string, email: string): Promise<void> {
    const created = await runCli(
      ["user", "create", "--username", username, "--password", "tr-horse-battery-93", "--email", email],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
  }

  async function createDisabledUser(username: string, email: string): Promise<void> {
    await createUser(username, email);
    const disabled = await runCli(["user", "disable", username], env);
    assert.equal(disabled.code, 0, disabled.stderr);
  }

  const addressOf = ({ cls, index }: Sample) =>
    cls === "known address"
      ? knownAddress(index)
      : cls === "unknown address"
        ? `tr-ghost-${index}@example.com`
        : DISABLED_ADDRESS;

  /** Sends one reset request and returns its round-trip time in ms; every class is answered alike. */
  async function timed(sample: Sample): Promise<number> {
    const started = performance.now();
    const response = await fetch(`${gh.url}/v1/password-reset`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: addressOf(sample) }),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    assert.equal(response.status, 202, `${sample.cls}: ${text}`);
    assert.equal(text, ACCEPTED, sample.cls);
    return elapsed;
  }

  function schedule(perClass: number): Sample[] {
    const samples: Sample[] = [];
    for (const cls of CLASSES) for (let i = 0; i < perClass; i++) samples.push({ cls, index: i });
    return shuffle(samples);
  }

  it(`known, unknown and disabled addresses cost the same (${SAMPLES_PER_CLASS} samples each)`, async (t) => {
    for (const sample of schedule(WARM_UP_PER_CLASS)) await timed(sample);
    const times: Record<ClassName, number[]> = { "known address": [], "unknown address": [], "disabled account": [] };
    for (const sample of schedule(SAMPLES_PER_CLASS)) times[sample.cls].push(await timed(sample));

    const problems = timingProblems(t, times, { maxMedianGapMs: MAX_MEDIAN_GAP_MS, alpha: ALPHA });
    assert.deepEqual(problems, [], "a timing difference tells the classes apart");
    // The known class did the expensive part for real: every one of its requests mailed a code.
    await gh.stop();
    const expected = WARM_UP_PER_CLASS + SAMPLES_PER_CLASS;
    const known = Array.from({ length: KNOWN_ACCOUNTS }, (_, i) => smtp.mailsTo(knownAddress(i)).length);
    assert.equal(
      known.reduce((a, b) => a + b, 0),
      expected,
    );
    assert.equal(smtp.mailsTo(DISABLED_ADDRESS).length, 0);
    assert.equal(smtp.mails.length, expected, "no mail to an unknown address");
  });

  /** Asks for a fresh code for every confirm address; returns the known addresses' codes once mailed. */
  async function freshCodes(): Promise<Map<string, string>> {
    const before = new Map<string, number>();
    for (const cls of CLASSES) {
      for (let i = 0; i < CONFIRM_ADDRESSES; i++) {
        const email = confirmAddress(cls, i);
        before.set(email, smtp.mailsTo(email).length);
        const response = await fetch(`${gh.url}/v1/password-reset`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email }),
        });
        assert.equal(response.status, 202, await response.text());
      }
    }
    const codes = new Map<string, string>();
    for (let i = 0; i < CONFIRM_ADDRESSES; i++) {
      const email = confirmAddress("known address", i);
      codes.set(email, resetCodeFrom(await waitForMail(smtp, email, (before.get(email) ?? 0) + 1)));
    }
    // The mail arrives a moment before its code is marked live (and the decoys are stored).
    await new Promise((resolve) => setTimeout(resolve, 300));
    return codes;
  }

  /** One confirm with a wrong code (any code, for an address without an account to reset). */
  async function timedConfirm(sample: Sample, codes: Map<string, string>): Promise<number> {
    const email = confirmAddress(sample.cls, sample.index % CONFIRM_ADDRESSES);
    const right = codes.get(email);
    const code = right === undefined ? "123456" : String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    const started = performance.now();
    const response = await fetch(`${gh.url}/v1/password-reset/confirm`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, code, new_password: "tr-a-whole-new-horse-71" }),
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    assert.equal(response.status, 400, `${sample.cls}: ${text}`);
    assert.equal(JSON.parse(text).error, "code_invalid", sample.cls);
    return elapsed;
  }

  it(`the confirm step costs the same for a known address with a wrong code, an unknown and a disabled one (${SAMPLES_PER_CLASS} samples each)`, async (t) => {
    gh = await spawnGatehouse(env);
    const perRound = CONFIRM_ADDRESSES * TRIES_PER_CODE;
    const times: Record<ClassName, number[]> = { "known address": [], "unknown address": [], "disabled account": [] };
    // Rounds of fresh codes, each tried TRIES_PER_CODE times per address: every sample counts an
    // attempt on a live code, real for the known class, a decoy for the others. Round 0 warms up.
    for (let round = 0; times["known address"].length < SAMPLES_PER_CLASS; round++) {
      const codes = await freshCodes();
      for (const sample of schedule(perRound)) {
        const elapsed = await timedConfirm(sample, codes);
        if (round > 0) times[sample.cls].push(elapsed);
      }
    }
    const problems = timingProblems(t, times, { maxMedianGapMs: MAX_MEDIAN_GAP_MS, alpha: ALPHA });
    assert.deepEqual(problems, [], "a timing difference tells the classes apart");
  });
});
