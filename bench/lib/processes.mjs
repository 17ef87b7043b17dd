// Processes and plumbing of the benchmark (bench/run.mjs): a registry of every child process
// started, stopped again (and the temporary folder removed) on success, failure and Ctrl-C
// alike; RSS sampling from /proc; free ports; a small keep-alive HTTP client; a bounded pool.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, URLSearchParams } from "node:url";
import { freePort } from "../../scripts/lib/harness.mjs";

export { freePort };

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BENCH = join(ROOT, "bench");

// ---------------------------------------------------------------------------------------------
// Output

const startedAt = performance.now();

/** One progress line on stderr, stamped with the seconds since the start. */
export const log = (line) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up

/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
/** @type {Array<() => Promise<void>>} */
const cleanupTasks = [];
let tempDir = "";
let cleaned = false;

const isRunning = (child) => child.exitCode === null && child.signalCode === null;

/** Creates the run's temporary folder, removed again by `cleanup`. */
export function makeTempDir() {
  tempDir = mkdtempSync(join(os.tmpdir(), "gatehouse-bench-"));
  return tempDir;
}

/** Registers a task for `cleanup`, run once every child has stopped (dropping a database, say). */
export function onCleanup(task) {
  cleanupTasks.push(task);
}

/** SIGTERM to every child, up to 5 s to exit, then SIGKILL to the rest. */
async function stopChildren() {
  for (const child of children) if (isRunning(child)) child.kill("SIGTERM");
  const deadline = Date.now() + 5_000;
  while ([...children].some(isRunning) && Date.now() < deadline) await sleep(50);
  for (const child of children) if (isRunning(child)) child.kill("SIGKILL");
}

/** Stops everything started here, runs the registered tasks and removes the temporary folder; once. */
export async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await stopChildren();
  for (const task of cleanupTasks) await task();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}

/** Ctrl-C and SIGTERM clean up before exiting; a last resort kills and removes on any exit. */
export function cleanUpOnSignalsAndExit() {
  process.on("exit", () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      log(`${signal}: stopping and cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/** Spawns a tracked node child; stderr is kept for error messages. */
export function start(args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  child.on("exit", () => children.delete(child));
  return { child, stderr: () => stderr };
}

/** Runs a node script to completion and parses the last line of its output as JSON. */
export function runJson(args, options = {}) {
  return new Promise((resolve, reject) => {
    const { child, stderr } = start(args, options);
    let stdout = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${args.join(" ")} exited with ${code}:\n${stderr()}${stdout}`));
    });
  });
}

/** RSS of a process and its child processes (Gatehouse's workers, if any) in MB, from /proc (Linux). */
export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    const own = match ? Number(match[1]) / 1024 : NaN;
    return childPids(pid).reduce((sum, child) => sum + (rssMb(child) || 0), own);
  } catch {
    return NaN;
  }
}

/** The direct children of a process, from /proc (Linux). */
function childPids(pid) {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
  );
}

/** Samples a process's RSS every 200 ms until `stop()`, which returns the maximum in MB. */
export function sampleRss(pid) {
  let max = rssMb(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMb(pid))), 200);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, rssMb(pid));
      return max;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Closes the kept-alive sockets, so that the process can exit. */
export function closeHttpAgent() {
  agent.destroy();
}

/**
 * Drops the kept-alive sockets that are idle. After the event loop was blocked (the SQLite
 * seeding is synchronous) for longer than the server's keep-alive timeout, an idle socket may
 * have been closed by the server without this process having seen it, and reusing it would
 * fail the next request with "socket hang up".
 */
export function forgetIdleConnections() {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/**
 * One HTTP request; resolves with the status, the headers and the parsed JSON body (or the text).
 * @returns {Promise<{ status: number, headers: import("node:http").IncomingHttpHeaders, body: any }>}
 */
export function call(base, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), { method, headers, agent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        let parsed = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parsed });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

export const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

export const jsonPost = (base, path, value) =>
  call(base, "POST", path, { headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

export const formPost = (base, path, fields, auth) =>
  call(base, "POST", path, {
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: auth },
    body: new URLSearchParams(fields).toString(),
  });

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pooled(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
