// test-databases: one
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/load.js";

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
};

describe("configuration", () => {
  it("has a default for every setting that works on a laptop", () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, "sqlite:./data/gatehouse.db");
    assert.deepEqual(config.dialects, ["all"]);
    assert.equal(config.jwtAlg, "EdDSA");
    assert.equal(config.passwordMinLength, 8);
    assert.ok(Object.isFrozen(config));
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({ PORT: "abc", LOG_LEVEL: "loud", ISSUER: "ftp://x", ARGON2_MEMORY_KIB: "1024" });
    assert.equal(problems.length, 4);
    assert.match(problems.join("\n"), /PORT .*whole number/);
    assert.match(problems.join("\n"), /LOG_LEVEL/);
    assert.match(problems.join("\n"), /ISSUER/);
    assert.match(problems.join("\n"), /ARGON2_MEMORY_KIB must be between 19456/);
  });

  it("refuses HS256 with a missing, short or placeholder secret", () => {
    assert.match(problemsOf({ JWT_ALG: "HS256" }).join(), /JWT_SECRET must be at least 32 bytes/);
    assert.match(problemsOf({ JWT_ALG: "HS256", JWT_SECRET: "short" }).join(), /at least 32 bytes/);
    assert.deepEqual(problemsOf({ JWT_ALG: "HS256", JWT_SECRET: "q".repeat(40) }), []);
  });

  it("keeps the password minimum within what the maximum allows", () => {
    assert.deepEqual(problemsOf({ PASSWORD_MIN_LENGTH: "64", PASSWORD_MAX_LENGTH: "64" }), []);
    assert.match(problemsOf({ PASSWORD_MIN_LENGTH: "65" }).join(), /PASSWORD_MIN_LENGTH must be between 1 and 64/);
  });

  it("serves metrics on 127.0.0.1:9464 by default; an empty METRICS_PORT turns them off", () => {
    const config = loadConfig({});
    assert.equal(config.metricsPort, 9464);
    assert.equal(config.metricsHost, "127.0.0.1");
    assert.equal(loadConfig({ METRICS_PORT: "" }).metricsPort, null);
    assert.equal(loadConfig({ METRICS_PORT: " " }).metricsPort, null);
    assert.equal(loadConfig({ METRICS_PORT: "0" }).metricsPort, 0);
    assert.equal(loadConfig({ METRICS_PORT: "9100", METRICS_HOST: "10.0.0.5" }).metricsHost, "10.0.0.5");
    assert.equal(loadConfig({ METRICS_HOST: "::1" }).metricsHost, "::1");
  });

  it("refuses a bad METRICS_PORT or METRICS_HOST with one clear line each", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ METRICS_PORT: "abc" }, /^METRICS_PORT must be a whole number, got "abc"$/],
      [{ METRICS_PORT: "-1" }, /^METRICS_PORT must be a whole number, got "-1"$/],
      [{ METRICS_PORT: "70000" }, /^METRICS_PORT must be between 0 and 65535, got 70000$/],
      [{ METRICS_HOST: "" }, /^METRICS_HOST must be an IP address or host name, got ""$/],
      [{ METRICS_HOST: "http://x/" }, /^METRICS_HOST must be an IP address or host name, got "http:\/\/x\/"$/],
      [{ PORT: "9000", METRICS_PORT: "9000" }, /^METRICS_PORT must differ from PORT \(9000\)/],
    ];
    for (const [env, message] of cases) {
      const problems = problemsOf(env);
      assert.equal(problems.length, 1, `${JSON.stringify(env)}: ${problems.join(" | ")}`);
      assert.match(problems[0] ?? "", message);
      assert.equal((problems[0] ?? "").includes("\n"), false);
    }
  });

  it("accepts trusted proxies as a list", () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.0.0.0/8" }).trustProxy, ["10.0.0.1", "10.0.0.0/8"]);
    assert.equal(loadConfig({ TRUST_PROXY: "false" }).trustProxy, false);
  });
});
