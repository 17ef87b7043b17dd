// test-databases: one
// The process refuses to start with a missing, short or placeholder HMAC secret, saying why
// (security S25 and S72). Runs the built `gatehouse serve` as a process of its own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { spawnGatehouse } from "../helpers/gatehouse-process.js";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gatehouse-secrets-"));

/** Runs `gatehouse serve` to its exit (or kills it after 15 s); returns the exit code and output. */
function serveUntilExit(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const fullEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, HOST: "127.0.0.1", PORT: "0", METRICS_PORT: "0", ...env })) {
    if (value !== undefined) fullEnv[name] = value;
  }
  const child = spawn(process.execPath, [BIN, "serve"], { env: fullEnv });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe("a weak HMAC secret stops the process at start-up (security S25, S72)", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  const weak: [string, string | undefined][] = [
    ["missing", undefined],
    ["empty", ""],
    ["whitespace only", " ".repeat(40)],
    ['"secret"', "secret"],
    ['"changeme"', "changeme"],
    ['"CHANGEME"', "CHANGEME"],
    ['"secret" padded with spaces', `   secret${" ".repeat(30)}`],
    [
      "31 random bytes",
      randomBytes(31)
        .toString("latin1")
        .replace(/[\0-\x20\x7f-\xff]/g, "x"),
    ],
  ];

  for (const [name, secret] of weak) {
    it(`refuses JWT_ALG=HS256 with a ${name} JWT_SECRET: non-zero exit and a message naming JWT_SECRET`, async () => {
      const { code, output } = await serveUntilExit({
        DATABASE_URL: `sqlite:${join(dir, "never.db")}`,
        JWT_ALG: "HS256",
        JWT_SECRET: secret,
        LOG_LEVEL: "info",
      });
      assert.notEqual(code, 0, output);
      assert.notEqual(code, null, "the process did not exit by itself");
      assert.match(output, /JWT_SECRET/, output);
      assert.doesNotMatch(output, /gatehouse listening/);
      // A secret long enough to be unmistakable is never echoed back.
      if (secret && secret.trim().length >= 12) assert.ok(!output.includes(secret.trim()), "the message repeats the secret");
    });
  }

  it("refuses it with WORKERS=2 too, before forking", async () => {
    const { code, output } = await serveUntilExit({
      DATABASE_URL: `sqlite:${join(dir, "never-workers.db")}`,
      JWT_ALG: "HS256",
      JWT_SECRET: "changeme",
      WORKERS: "2",
      LOG_LEVEL: "info",
    });
    assert.notEqual(code, 0, output);
    assert.match(output, /JWT_SECRET/);
    assert.doesNotMatch(output, /gatehouse listening/);
  });

  it("starts with 48 random bytes (the control) and publishes no symmetric key", async () => {
    const gh = await spawnGatehouse({
      DATABASE_URL: `sqlite:${join(dir, "strong.db")}`,
      JWT_ALG: "HS256",
      JWT_SECRET: randomBytes(48).toString("base64"),
      LOG_LEVEL: "info",
    });
    try {
      const jwks = (await (await fetch(`${gh.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
      assert.deepEqual(jwks, { keys: [] });
    } finally {
      assert.equal(await gh.stop(), 0);
    }
  });
});
