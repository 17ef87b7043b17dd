// test-databases: each
import assert from "node:assert/strict";
import { createServer as createNetServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { scrape } from "../helpers/metrics.js";
import { LOGIN_DOORS, prepareLoginDoors, registerAccount } from "../helpers/login-doors.js";
import { createClient, PASSWORD, passwordGrant, token } from "../helpers/oauth.js";
import { startServer, type TestServer } from "../helpers/server.js";

/** The `door` label each login door of test/helpers/login-doors.ts is counted under. */
const DOOR_LABELS: Record<string, string> = {
  "password grant (POST /oauth/token)": "oauth_password",
  "jwt-extended (POST /api/auth/login)": "jwt-extended",
  "jwt-auth (POST /login)": "jwt-auth",
  "terminal (POST /auth/login)": "terminal",
  "spring-oauth (POST /oauth/login)": "spring-oauth",
  "hosted sign-in page (POST /oauth/authorize/sign-in)": "oidc_hosted",
};

describe("metrics on their own listener", () => {
  let gh: TestServer;
  let metricsUrl: string;
  before(async () => {
    gh = await startServer({ METRICS_PORT: "0", LOCKOUT_THRESHOLD: "3" });
    assert.ok(gh.server.metricsListener, "no metrics listener");
    metricsUrl = gh.server.metricsListener.url;
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  it("answers GET /metrics on its own port, in the Prometheus text format, with the default process metrics", async () => {
    assert.notEqual(new URL(metricsUrl).port, new URL(gh.url).port);
    const scraped = await scrape(metricsUrl);
    for (const name of [
      "process_cpu_seconds_total",
      "nodejs_eventloop_lag_seconds",
      "gatehouse_http_requests_total",
      "gatehouse_http_request_duration_seconds",
      "gatehouse_logins_total",
      "gatehouse_tokens_issued_total",
      "gatehouse_refresh_reuse_detected_total",
      "gatehouse_lockouts_total",
      "gatehouse_rate_limited_total",
      "gatehouse_hash_queue_depth",
      "gatehouse_hash_wait_seconds",
      "gatehouse_db_pool_in_use",
      "gatehouse_db_pool_waiting",
      "gatehouse_db_query_duration_seconds",
      "gatehouse_group_commit_batch_size",
      "gatehouse_webhook_deliveries_total",
      "gatehouse_webhook_outbox_depth",
    ]) {
      assert.ok(scraped.family(name), name);
    }
    assert.equal(scraped.family("gatehouse_http_request_duration_seconds").type, "HISTOGRAM");
    assert.equal(scraped.value("gatehouse_webhook_deliveries_total", { outcome: "delivered" }), 0);
  });

  it("is not served on the public port, which answers 404 in its own error format", async () => {
    const response = await gh.request("GET", "/metrics");
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { error: "not_found" });
  });

  it("answers only GET /metrics: another path is 404, another method 405", async () => {
    assert.equal((await fetch(new URL("/", metricsUrl))).status, 404);
    assert.equal((await fetch(new URL("/metrics/x", metricsUrl))).status, 404);
    const post = await fetch(metricsUrl, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");
    assert.equal((await fetch(`${metricsUrl}?name[]=x`)).status, 200);
  });

  it("counts requests by route pattern, never by the URL asked for; unmatched routes under one label", async () => {
    await gh.request("GET", "/healthz");
    await gh.request("GET", "/no/such/path/4f0c1e");
    await gh.request("GET", "/v1/admin/users/0b9e3f5a-0000-4000-8000-000000000000");
    const scraped = await scrape(metricsUrl);
    assert.ok(scraped.value("gatehouse_http_requests_total", { route: "/healthz", method: "GET", status: "200" }) >= 1);
    assert.ok(scraped.value("gatehouse_http_requests_total", { route: "unmatched", method: "GET", status: "404" }) >= 1);
    assert.ok(
      scraped.value("gatehouse_http_requests_total", { route: "/v1/admin/users/:id", method: "GET", status: "401" }) >= 1,
    );
    assert.ok(scraped.count("gatehouse_http_request_duration_seconds", { route: "/healthz", method: "GET" }) >= 1);
    const routes = scraped.family("gatehouse_http_requests_total").metrics.map((sample) => sample.labels?.route ?? "");
    assert.equal(
      routes.some((route) => route.includes("4f0c1e") || route.includes("0b9e3f5a")),
      false,
    );
  });

  it("counts each door's logins by door and outcome, and the tokens issued", async () => {
    await registerAccount(gh, "metrics-door", PASSWORD);
    const before = await scrape(metricsUrl);
    for (const door of LOGIN_DOORS) {
      const label = DOOR_LABELS[door.name];
      assert.ok(label, `no door label for ${door.name}`);
      assert.ok(door.succeeded(await door.send(gh, "metrics-door", PASSWORD)), door.name);
      assert.equal(door.succeeded(await door.send(gh, "metrics-door", "not the password")), false, door.name);
    }
    const after = await scrape(metricsUrl);
    for (const label of Object.values(DOOR_LABELS)) {
      const moved = (outcome: string) =>
        after.value("gatehouse_logins_total", { door: label, outcome }) -
        before.value("gatehouse_logins_total", { door: label, outcome });
      assert.equal(moved("success"), 1, `${label} success`);
      assert.equal(moved("failure"), 1, `${label} failure`);
    }
    const issued = (grant: string) =>
      after.value("gatehouse_tokens_issued_total", { grant }) - before.value("gatehouse_tokens_issued_total", { grant });
    assert.equal(issued("password"), 1);
    for (const dialect of ["jwt-extended", "jwt-auth", "terminal", "spring-oauth"]) assert.equal(issued(dialect), 1, dialect);
    // Every login verified a password on the hash pool, and wrote through the store.
    assert.ok(after.count("gatehouse_hash_wait_seconds") >= before.count("gatehouse_hash_wait_seconds") + 12);
    assert.ok(after.count("gatehouse_db_query_duration_seconds", { operation: "transaction" }) > 0);
    assert.ok(after.count("gatehouse_db_query_duration_seconds", { operation: "users.findByCanonicalName" }) > 0);
  });

  it("counts refreshes and a detected refresh-token reuse", async () => {
    const client = await createClient(gh, "metrics-client");
    await registerAccount(gh, "metrics-refresh", PASSWORD);
    const login = await passwordGrant(gh, client, "metrics-refresh");
    assert.equal(login.status, 200, login.text);
    const before = await scrape(metricsUrl);
    const rotated = await token(gh, client, { grant_type: "refresh_token", refresh_token: login.body.refresh_token });
    assert.equal(rotated.status, 200, rotated.text);
    const replay = await token(gh, client, { grant_type: "refresh_token", refresh_token: login.body.refresh_token });
    assert.equal(replay.status, 400, replay.text);
    const after = await scrape(metricsUrl);
    const moved = (name: string, labels = {}) => after.value(name, labels) - before.value(name, labels);
    assert.equal(moved("gatehouse_tokens_issued_total", { grant: "refresh_token" }), 1);
    assert.equal(moved("gatehouse_refresh_reuse_detected_total"), 1);
  });

  it("counts a lockout once, when the threshold is reached", async () => {
    await registerAccount(gh, "metrics-lockout", PASSWORD);
    const before = await scrape(metricsUrl);
    for (let i = 0; i < 4; i++)
      await gh.post("/api/auth/login", { json: { username: "metrics-lockout", password: "wrong one" } });
    const after = await scrape(metricsUrl);
    assert.equal(after.value("gatehouse_lockouts_total") - before.value("gatehouse_lockouts_total"), 1);
    assert.equal(
      after.value("gatehouse_logins_total", { door: "jwt-extended", outcome: "failure" }) -
        before.value("gatehouse_logins_total", { door: "jwt-extended", outcome: "failure" }),
      4,
    );
  });

  it("labels nothing with a username, client id or address", async () => {
    const text = await (await fetch(metricsUrl)).text();
    for (const secret of ["metrics-door", "metrics-client", "metrics-refresh", "metrics-lockout", "127.0.0.1"]) {
      assert.equal(text.includes(secret), false, secret);
    }
  });
});

describe("metrics: the rate limit and the switch", () => {
  it("counts the requests the rate limit refuses", async () => {
    const gh = await startServer({ METRICS_PORT: "0", RATE_LIMIT_MAX: "2" });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await gh.request("GET", "/v1/me/sessions")).status);
      assert.deepEqual(statuses, [401, 401, 429, 429]);
      const scraped = await scrape(gh.server.metricsListener?.url ?? "");
      assert.equal(scraped.value("gatehouse_rate_limited_total"), 2);
      assert.equal(scraped.value("gatehouse_http_requests_total", { status: "429" }), 2);
    } finally {
      await gh.close();
    }
  });

  it("fails to start, as for the public port, when the metrics port is taken", async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as { port: number };
      await assert.rejects(startServer({ METRICS_PORT: String(port) }), /EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("opens no listener and counts nothing with an empty METRICS_PORT", async () => {
    const gh = await startServer({ METRICS_PORT: "" });
    try {
      assert.equal(gh.server.metricsListener, null);
      assert.equal(
        gh.logs.some((line) => line.includes("metrics listening")),
        false,
      );
      assert.equal((await gh.request("GET", "/healthz")).status, 200);
    } finally {
      await gh.close();
    }
  });
});
