// test-databases: one
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { scrape } from "../helpers/metrics.js";

// WORKERS=N: one primary that forks, supervises and forwards signals; N workers sharing the port.

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gatehouse-workers-"));
type LogLine = { msg?: string; pid?: number; [key: string]: unknown };

/** A loopback port that was free a moment ago (port 0 is not shared between cluster workers everywhere). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `gatehouse serve` as its own process, with its JSON log lines collected as they come. */
function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { ...process.env, HOST: "127.0.0.1", METRICS_PORT: "0", LOG_LEVEL: "info", ...env },
  });
  const lines: LogLine[] = [];
  let pending = "";
  const collect = (chunk: Buffer) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: part });
      }
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  /** Resolves once `predicate` holds for the lines logged so far. */
  const waitFor = async (what: string, predicate: (lines: LogLine[]) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(lines)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`${what}: not seen; log:\n${lines.map((line) => JSON.stringify(line)).join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, lines, exited, waitFor };
}

/** One request on a connection of its own, so that the primary hands each to a worker anew. */
function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: "127.0.0.1", port, method, path, agent: false, headers: payload ? { "content-type": "application/json" } : {} },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const listeningPids = (lines: LogLine[]) =>
  lines.filter((line) => line.msg === "gatehouse listening" && typeof line.pid === "number").map((line) => line.pid as number);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("gatehouse serve with WORKERS=2", () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves from several workers, replaces a dead one, and stops cleanly on SIGTERM", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const gh = serve({ WORKERS: "2", PORT: String(port), DATABASE_URL: `sqlite:${join(dir, "fresh", "workers.db")}` });
    child = gh.child;
    await gh.waitFor("two workers listening", (lines) => new Set(listeningPids(lines)).size === 2);
    const workers = [...new Set(listeningPids(gh.lines))];
    assert.ok(!workers.includes(gh.child.pid as number), "the primary itself does not serve");

    // A full Gatehouse in each worker, on one database.
    const credentials = { username: "cluster-user", password: "correct horse battery" };
    assert.equal((await call(port, "POST", "/api/auth/register", credentials)).body.code, 0);
    for (let i = 0; i < 4; i++) assert.equal((await call(port, "POST", "/api/auth/login", credentials)).body.code, 0);

    // Connections are spread over the workers; each logs its requests under its own pid.
    for (let i = 0; i < 10; i++) assert.equal((await call(port, "GET", "/healthz")).status, 200);
    await gh.waitFor("request lines", (lines) => lines.filter((line) => line.msg === "request").length >= 15);
    const answering = new Set(gh.lines.filter((line) => line.msg === "request").map((line) => line.pid));
    assert.deepEqual([...answering].sort(), [...workers].sort());

    // A worker that dies is noticed, the port keeps answering, and a replacement starts.
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, "SIGKILL");
    await gh.waitFor("the death noticed", (lines) =>
      lines.some((line) => line.msg?.startsWith("worker died") && line.pid === victim),
    );
    for (let i = 0; i < 4; i++) assert.equal((await call(port, "GET", "/readyz")).status, 200);
    await gh.waitFor("a replacement", (lines) => new Set(listeningPids(lines)).size === 3);
    const replacement = listeningPids(gh.lines).find((pid) => !workers.includes(pid)) as number;
    assert.ok(alive(replacement) && !alive(victim));
    assert.equal((await call(port, "POST", "/api/auth/login", credentials)).body.code, 0);

    // SIGTERM to the primary: every worker finishes, then the primary exits 0.
    gh.child.kill("SIGTERM");
    assert.equal(await gh.exited, 0);
    for (const pid of [survivor, replacement]) assert.ok(!alive(pid), `worker ${pid} outlived the primary`);
    const stops = gh.lines.filter((line) => line.msg === "shutting down: finishing in-flight requests");
    assert.equal(stops.length, 2);
  });

  it("serves one metrics view from the primary, the sum over both workers", { timeout: 120_000 }, async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const gh = serve({
      WORKERS: "2",
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: `sqlite:${join(dir, "metrics.db")}`,
    });
    child = gh.child;
    await gh.waitFor("two workers listening", (lines) => new Set(listeningPids(lines)).size === 2);
    await gh.waitFor("metrics listening", (lines) => lines.some((line) => line.msg === "metrics listening"));
    // Only the primary opens the metrics port; the workers answer it over IPC.
    const metricsLines = gh.lines.filter((line) => line.msg === "metrics listening");
    assert.equal(metricsLines.length, 1);
    assert.equal(metricsLines[0]?.pid, undefined, "a worker opened the metrics listener");
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    assert.equal(metricsLines[0]?.address, metricsUrl);

    // Requests on connections of their own, until both workers have answered some.
    let sent = 0;
    const answered = () => new Set(gh.lines.filter((line) => line.msg === "request").map((line) => line.pid));
    while (sent < 40 && (sent < 10 || answered().size < 2)) {
      assert.equal((await call(port, "GET", "/healthz")).status, 200);
      sent++;
    }
    await gh.waitFor("request lines", (lines) => lines.filter((line) => line.msg === "request").length >= sent);
    assert.equal(answered().size, 2, "one worker answered every request");
    const perWorker = [...answered()].map((pid) => gh.lines.filter((line) => line.msg === "request" && line.pid === pid).length);

    const scraped = await scrape(metricsUrl);
    const healthz = { route: "/healthz", method: "GET", status: "200" };
    assert.equal(scraped.value("gatehouse_http_requests_total", healthz), sent);
    assert.ok(
      perWorker.every((count) => count > 0 && count < sent),
      `per worker: ${perWorker.join(", ")}`,
    );
    assert.ok(scraped.family("process_cpu_seconds_total"));
    // The public port still has no /metrics.
    assert.equal((await call(port, "GET", "/metrics")).status, 404);

    gh.child.kill("SIGTERM");
    assert.equal(await gh.exited, 0);
    await assert.rejects(fetch(metricsUrl));
  });

  it("refuses an invalid WORKERS value", async () => {
    const gh = serve({ WORKERS: "many", DATABASE_URL: `sqlite:${join(dir, "never.db")}` });
    assert.equal(await gh.exited, 2);
    assert.ok(gh.lines.some((line) => line.msg?.includes("WORKERS must be a whole number")));
  });
});
