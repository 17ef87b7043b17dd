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

  it("accepts trusted proxies as a list", () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.0.0.0/8" }).trustProxy, ["10.0.0.1", "10.0.0.0/8"]);
    assert.equal(loadConfig({ TRUST_PROXY: "false" }).trustProxy, false);
  });
});
