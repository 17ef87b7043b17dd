// test-databases: each
// The admin console's files as Gatehouse serves them (README: Admin console): the SPA's
// index.html for its own paths, hashed assets cached for a year, its CSP, CONSOLE=false, and
// the built-in client it signs in with. Needs the build (npm run build).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { CONSOLE_CSP, CONSOLE_DIST } from "../../src/http/console/index.js";
import { startServer, type TestServer } from "../helpers/server.js";

const built = existsSync(`${CONSOLE_DIST}index.html`);

describe("the admin console's files", () => {
  let server: TestServer;
  before(async () => {
    assert.ok(built, `no ${CONSOLE_DIST}index.html: run npm run build first`);
    server = await startServer({ ISSUER: "https://id.example.com" });
  });
  after(() => server?.close());

  const get = (path: string) => server.request("GET", path, { redirect: "manual" });

  it("/console redirects to /console/, which is the app's index.html, revalidated on every load", async () => {
    const bare = await get("/console");
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get("location"), "/console/");
    for (const path of ["/console/", "/console/users", "/console/callback?code=x&state=y"]) {
      const page = await get(path);
      assert.equal(page.status, 200, path);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(page.text, readFileSync(`${CONSOLE_DIST}index.html`, "utf8"));
      assert.equal(page.headers.get("cache-control"), "no-cache");
      assert.equal(page.headers.get("content-security-policy"), CONSOLE_CSP);
      assert.equal(page.headers.get("x-frame-options"), "DENY");
    }
  });

  it("the policy allows nothing inline and nothing from another origin", () => {
    assert.doesNotMatch(CONSOLE_CSP, /unsafe|data:|\*|https?:/);
    assert.match(CONSOLE_CSP, /default-src 'none'/);
    assert.match(CONSOLE_CSP, /frame-ancestors 'none'/);
  });

  it("the hashed assets index.html names are cached for a year, immutable; a missing one is 404, not the page", async () => {
    const index = readFileSync(`${CONSOLE_DIST}index.html`, "utf8");
    const assets = [...index.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
    assert.ok(assets.some((path) => path.endsWith(".js")) && assets.some((path) => path.endsWith(".css")), index);
    assert.doesNotMatch(index, /<script>|<style|style=/, "nothing inline");
    for (const path of assets) {
      const asset = await get(path);
      assert.equal(asset.status, 200, path);
      assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal(asset.headers.get("content-security-policy"), CONSOLE_CSP);
    }
    for (const path of ["/console/assets/index-missing.js", "/console/nothing.png"]) {
      const missing = await get(path);
      assert.equal(missing.status, 404, path);
      assert.deepEqual(missing.body, { error: "not_found" });
    }
  });

  it("Gatehouse registers the console's public first-party client, its URIs from ISSUER", async () => {
    const client = await server.server.store.clients.findById("gatehouse-console");
    assert.ok(client);
    assert.equal(client.secretHash, null);
    assert.equal(client.firstParty, true);
    assert.deepEqual(client.grants, ["authorization_code", "refresh_token"]);
    assert.deepEqual(client.redirectUris, ["https://id.example.com/console/callback"]);
    assert.deepEqual(client.postLogoutRedirectUris, ["https://id.example.com/console/"]);
  });
});

describe("CONSOLE=false", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ CONSOLE: "false" });
  });
  after(() => server?.close());

  it("serves no console (404 as elsewhere) and registers no client for it", async () => {
    for (const path of ["/console", "/console/", "/console/users"]) {
      const answer = await server.request("GET", path, { redirect: "manual" });
      assert.equal(answer.status, 404, path);
      assert.deepEqual(answer.body, { error: "not_found" });
    }
    assert.equal(await server.server.store.clients.findById("gatehouse-console"), null);
  });
});
