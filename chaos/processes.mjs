// Processes and scratch space for the chaos scenarios: a snapshot of the build, Gatehouse
// servers (started, killed with SIGKILL, restarted on the same database and port), the
// `gatehouse` command line and temporary folders. Everything made here is tracked, and
// `cleanupAll` removes it (and the PostgreSQL databases of postgres.mjs) on success, failure
// and Ctrl-C alike.

import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { send } from "./http.mjs";
import { dropPgDatabases } from "./postgres.mjs";
import { log, now, sleep } from "./util.mjs";
import { freePort, serverUnderTestEnv } from "../scripts/lib/harness.mjs";

export { freePort };

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The copy of the build the servers run from (see snapshotBuild); the working tree until then. */
let appDir = ROOT;
let snapshotDir = "";
const bin = () => join(appDir, "bin", "gatehouse.js");

/** One issuer for every instance and restart, so that tokens outlive the process that made them. */
export const ISSUER = "http://gatehouse.chaos.test";

/** @type {Set<import("node:child_process").ChildProcess>} */
const children = new Set();
const tempDirs = new Set();

/**
 * Copies the built server (bin/, dist/, assets/, package.json; node_modules linked) to a temporary
 * folder and runs every server and command from there, so that a rebuild of the working tree
 * during the run cannot change the code under test between two restarts, or catch a restart
 * half-way through writing dist/.
 */
export function snapshotBuild() {
  snapshotDir = mkdtempSync(join(os.tmpdir(), "gatehouse-chaos-build-"));
  for (const name of ["bin", "dist", "assets", "package.json"])
    cpSync(join(ROOT, name), join(snapshotDir, name), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(snapshotDir, "node_modules"), "dir");
  appDir = snapshotDir;
}

/** The defaults of the named settings in the build under test; absent ones are left out. */
export async function buildDefaults(envNames) {
  const { settings } = await import(pathToFileURL(join(appDir, "dist", "config", "schema.js")).href);
  const out = {};
  for (const setting of Object.values(settings)) if (envNames.includes(setting.env)) out[setting.env] = setting.default;
  return out;
}

export function makeTempDir(label) {
  const dir = mkdtempSync(join(os.tmpdir(), `gatehouse-chaos-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** The environment every chaos server gets; `extra` adds or overrides per scenario. */
function serverEnv(databaseUrl, port, extra) {
  return {
    ...serverUnderTestEnv({ databaseUrl, port, issuer: ISSUER }),
    // Verification logs in with every password it knows of, right and wrong.
    LOCKOUT_THRESHOLD: "100",
    // The history expects only the revocations it asked for, never an eviction.
    MAX_SESSIONS_PER_USER: "10000",
    ...extra,
  };
}

/** Collects a child's output: the tail for error messages, and every error-level log line. */
function watchOutput(child) {
  let tail = "";
  const errorLines = [];
  const take = (chunk) => {
    const text = String(chunk);
    tail = (tail + text).slice(-20_000);
    for (const line of text.split("\n")) if (/"level":(50|60)/.test(line)) errorLines.push(line.slice(0, 2_000));
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  return { tail: () => tail, errorLines };
}

/**
 * The server exited as a signal from outside this harness makes it exit: gracefully (status 0)
 * or on SIGINT/SIGTERM/SIGHUP. On a shared machine that is someone else's clean-up, not a crash.
 */
export const stoppedFromOutside = (code, signal) => code === 0 || ["SIGINT", "SIGTERM", "SIGHUP"].includes(signal);

class StoppedFromOutside extends Error {}

/**
 * Starts `gatehouse serve` and waits until /readyz answers 200; starts again (twice at most)
 * when a signal from outside stopped it on the way.
 * @returns {Promise<Server>}
 * @typedef {{ child: import("node:child_process").ChildProcess, pid: number, url: string, port: number,
 *   tail: () => string, errorLines: string[], exited: Promise<{ code: number | null, signal: string | null }>,
 *   killedByUs: boolean, readyMs: number }} Server
 */
export async function startServer(options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof StoppedFromOutside) || attempt === 3) throw error;
      log(`a server was stopped from outside while starting (${error.message}); starting it again`);
    }
  }
}

async function startOnce({ databaseUrl, port, env = {}, readyTimeoutMs = 60_000 }) {
  const t0 = now();
  const child = spawn(process.execPath, [bin(), "serve"], {
    cwd: appDir,
    env: serverEnv(databaseUrl, port, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(() => children.delete(child));
  const server = { child, pid: child.pid ?? 0, url: `http://127.0.0.1:${port}`, port, ...watchOutput(child) };
  Object.assign(server, { exited, killedByUs: false, readyMs: 0 });
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = `${child.exitCode ?? child.signalCode}`;
      if (stoppedFromOutside(child.exitCode, child.signalCode)) throw new StoppedFromOutside(how);
      throw new Error(`gatehouse exited (${how}) before ready:\n${server.tail()}`);
    }
    if (now() - t0 > readyTimeoutMs) throw new Error(`gatehouse not ready within ${readyTimeoutMs} ms:\n${server.tail()}`);
    const reply = await send(server.url, "GET", "/readyz", { timeoutMs: 2_000 });
    if (reply.status === 200) break;
    await sleep(20);
  }
  server.readyMs = now() - t0;
  return /** @type {Server} */ (server);
}

export const hasExited = (server) => server.child.exitCode !== null || server.child.signalCode !== null;

/** Whether the server died without being told to. */
export const crashed = (server) => !server.killedByUs && hasExited(server);

/** A single-server measurement whose server was stopped from outside: worth running again. */
export class InterruptedFromOutside extends Error {}

/**
 * For the single-server scenarios: nothing if the server is alive; InterruptedFromOutside if
 * a signal from outside stopped it; otherwise the crash as a violation.
 * @returns {{ what: string, detail: string }[]}
 */
export function exitFindings(server) {
  if (!crashed(server)) return [];
  const { exitCode: code, signalCode: signal } = server.child;
  const how = `server pid ${server.pid} exited (${code ?? signal})`;
  if (stoppedFromOutside(code, signal)) throw new InterruptedFromOutside(`${how}: stopped by a signal from outside this run`);
  return [{ what: "server crashed", detail: `${how}:\n${server.tail().slice(-1_500)}` }];
}

export async function kill9(server) {
  server.killedByUs = true;
  server.child.kill("SIGKILL");
  await server.exited;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopServer(server, graceMs = 15_000) {
  server.killedByUs = true;
  if (hasExited(server)) return;
  server.child.kill("SIGTERM");
  const late = await Promise.race([server.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (late) await kill9(server);
}

/** Runs `gatehouse <args>` on a database (`extraEnv` adds settings); resolves with its stdout. */
export function runCli(databaseUrl, args, extraEnv = {}) {
  const env = { ...process.env, NODE_ENV: "production", LOG_LEVEL: "error", DATABASE_URL: databaseUrl, ISSUER, ...extraEnv };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin(), ...args], { cwd: appDir, env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`gatehouse ${args[0]} ${args[1] ?? ""} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs a helper script of chaos/ in a process of its own; resolves with its last stdout line as JSON. */
export function runNodeScript(file, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => {
      children.delete(child);
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`${file} exited with ${code}:\n${stderr.slice(-2_000)}`));
    });
  });
}

/**
 * Creates the confidential OAuth client (password and refresh_token grants) the scenarios log in
 * with and introspect through; on a fresh database the command creates the schema first.
 */
export async function createOauthClient(databaseUrl) {
  const client = { id: "chaos-client", secret: randomBytes(32).toString("hex") };
  await runCli(databaseUrl, [
    "client",
    "create",
    "--id",
    client.id,
    "--secret",
    client.secret,
    "--grants",
    "password,refresh_token",
  ]);
  return client;
}

/** Resident set size in MB, from /proc (Linux); NaN once the process is gone. */
export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Open file descriptors of a process (Linux); NaN once the process is gone. */
export function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

const alive = (child) => child.exitCode === null && child.signalCode === null;

/**
 * Stops every child still running, drops the databases and removes the temporary folders;
 * the build snapshot too unless `keepBuild` (between scenarios).
 */
export async function cleanupAll({ keepBuild = false } = {}) {
  for (const child of children) if (alive(child)) child.kill("SIGTERM");
  const deadline = now() + 5_000;
  while ([...children].some(alive) && now() < deadline) await sleep(50);
  for (const child of children) if (alive(child)) child.kill("SIGKILL");
  await dropPgDatabases();
  removeTempDirs();
  if (!keepBuild) removeSnapshot();
}

/** The synchronous last resort (process exit): kill what is left and remove the folders. */
export function cleanupNow() {
  for (const child of children) if (alive(child)) child.kill("SIGKILL");
  removeTempDirs();
  removeSnapshot();
}

function removeSnapshot() {
  if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  snapshotDir = "";
  appDir = ROOT;
}

function removeTempDirs() {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
