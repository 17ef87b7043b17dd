import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { createServer, type Server } from "../../src/server.js";
import { createPostgresDatabase, testDatabase } from "./database.js";
import { assertConforms } from "./openapi-conformance.js";

export type Response<T = any> = { status: number; headers: Headers; body: T; text: string };

export type RequestOptions = {
  json?: unknown;
  form?: Record<string, string> | string;
  /** Sent as is, with `contentType` (default none). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** `manual`: answer a redirect itself rather than following it (the hosted pages' 303s). */
  redirect?: "follow" | "manual";
};

export type TestServer = {
  url: string;
  config: Config;
  server: Server;
  databaseUrl: string;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<Response<T>>;
  post<T = any>(path: string, options?: RequestOptions): Promise<Response<T>>;
  /** Environment for running the CLI against the same database. */
  env: Record<string, string>;
  close(): Promise<void>;
};

/**
 * Starts a real Gatehouse on a fresh database — a SQLite file in a temp folder, or a new
 * PostgreSQL database when `GATEHOUSE_TEST_DATABASE=postgres` — listening on a random loopback
 * port, with `env` overriding the configuration. Logs are captured in memory. Every answer it
 * gives is checked against its OpenAPI document, and `close` fails if one did not fit
 * (test/helpers/openapi-conformance.ts).
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-test-"));
  const postgres = testDatabase() === "postgres" ? await createPostgresDatabase() : null;
  const databaseUrl = postgres?.url ?? `sqlite:${join(dir, "gatehouse.db")}`;
  // Suites make hundreds of requests from one address; the rate-limit tests set their own limit.
  const fullEnv = {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
    // No metrics unless a test asks for them (METRICS_PORT=0: a port of the system's choosing).
    METRICS_PORT: "",
    RATE_LIMIT_MAX: "100000",
    ...env,
  };
  const config = loadConfig(fullEnv);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  const server = await createServer(config, createLogger(config.logLevel, sink));
  // PORT is 0 (any free port) unless a test needs to know it first, as ISSUER does.
  const address = await server.app.listen({ port: config.port, host: "127.0.0.1" });

  return {
    url: address,
    config,
    server,
    databaseUrl,
    logs,
    ...httpClient(address),
    env: fullEnv,
    async close() {
      await server.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
      assertConforms(server.app);
    },
  };
}

/** Requests to a Gatehouse at `address` (this process's test server or another process's). */
export function httpClient(address: string): Pick<TestServer, "request" | "post"> {
  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers["content-type"] ??= "application/x-www-form-urlencoded";
      body = typeof options.form === "string" ? options.form : new URLSearchParams(options.form).toString();
    } else if (options.raw !== undefined) {
      if (options.contentType) headers["content-type"] = options.contentType;
      body = options.raw;
    }
    const response = await fetch(address + path, { method, headers, body, redirect: options.redirect ?? "follow" });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  return { request, post: (path, options) => request("POST", path, options) };
}
