// test-databases: one
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { spawnGatehouse } from "../helpers/gatehouse-process.js";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gatehouse-serve-"));
const serve = spawnGatehouse;

const exitCode = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

describe("the gatehouse serve process", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("creates its database on first start, serves, and exits cleanly on SIGTERM", async () => {
    const { child, url } = await serve({ DATABASE_URL: `sqlite:${join(dir, "nested", "first.db")}` });
    const exited = exitCode(child);
    const health = await fetch(`${url}/readyz`);
    assert.equal(health.status, 200);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  it("keeps its signing key across restarts", async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, "keys.db")}` };
    const keysOf = async () => {
      const { child, url } = await serve(env);
      const exited = exitCode(child);
      const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      child.kill("SIGTERM");
      await exited;
      return jwks.keys.map((key) => key.kid);
    };
    const first = await keysOf();
    assert.equal(first.length, 1);
    assert.deepEqual(await keysOf(), first);
  });

  it("refuses to start with an invalid configuration, naming every problem", async () => {
    const child = spawn(process.execPath, [BIN, "serve"], { env: { ...process.env, PORT: "x", JWT_ALG: "HS256" } });
    const childExit = exitCode(child);
    const dialects = spawn(process.execPath, [BIN, "serve"], { env: { ...process.env, DIALECTS: "jwt-extended,nope" } });
    const dialectsExit = exitCode(dialects);
    let dialectsErr = "";
    dialects.stderr.on("data", (chunk) => {
      dialectsErr += chunk;
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    assert.equal(await childExit, 2);
    assert.match(stderr, /PORT must be a whole number/);
    assert.match(stderr, /JWT_SECRET must be at least 32 bytes/);
    assert.equal(await dialectsExit, 2);
    assert.match(dialectsErr, /DIALECTS has unknown entries: nope/);
  });

  it("serves HS256 tokens with a shared secret and publishes no symmetric key", async () => {
    const { child, url } = await serve({
      DATABASE_URL: `sqlite:${join(dir, "hs.db")}`,
      JWT_ALG: "HS256",
      JWT_SECRET: "an-example-shared-secret-of-forty-bytes!!",
    });
    const exited = exitCode(child);
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const credentials = { username: "hs-user", password: "correct horse battery" };
    await post("/api/auth/register", credentials);
    const login = (await (await post("/api/auth/login", credentials)).json()) as { data: { access_token: string } };
    const header = JSON.parse(Buffer.from(login.data.access_token.split(".")[0] as string, "base64url").toString());
    assert.equal(header.alg, "HS256");
    const logout = await post("/api/auth/logout", {}, { authorization: `Bearer ${login.data.access_token}` });
    assert.equal(((await logout.json()) as { code: number }).code, 0);
    assert.deepEqual(await (await fetch(`${url}/.well-known/jwks.json`)).json(), { keys: [] });
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });
});
