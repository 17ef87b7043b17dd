import { DIALECTS, unknownDialects } from "../dialects/index.js";
import { type Config, settings } from "./schema.js";
import type { SettingTable } from "./setting.js";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Secrets that must never be accepted as an HMAC signing key. */
const WEAK_SECRETS = new Set(["secret", "changeme", "change-me", "password", "jwt_secret", "your-secret"]);

/**
 * Reads every setting from `env` (the core's, then each dialect's own), reports every problem
 * at once, and returns a frozen config.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const values = parseTable(settings, env, problems);
  const dialectSettings = Object.fromEntries(
    DIALECTS.map((dialect) => {
      const own: string[] = [];
      const parsed = parseTable(dialect.settings, env, own);
      // Settings that parse one by one can still contradict each other; checked once each parsed.
      if (own.length === 0) own.push(...(dialect.checkSettings?.(parsed) ?? []));
      problems.push(...own);
      return [dialect.name, Object.freeze(parsed)];
    }),
  );
  problems.push(...crossChecks(values as Partial<Config>));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...values, dialectSettings: Object.freeze(dialectSettings) }) as Config;
}

function parseTable(table: SettingTable, env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    const raw = env[setting.env] ?? setting.default;
    try {
      values[key] = setting.parse(raw.trim());
    } catch (error) {
      problems.push(`${setting.env} ${(error as Error).message}`);
    }
  }
  return values;
}

function crossChecks(config: Partial<Config>): string[] {
  const problems: string[] = [];
  const unknown = unknownDialects(config.dialects ?? []);
  if (unknown.length > 0) {
    const known = DIALECTS.map((dialect) => dialect.name).join(", ");
    problems.push(`DIALECTS has unknown entries: ${unknown.join(", ")} (known: ${known}, all, none)`);
  }
  if (config.metricsPort && config.metricsPort === config.port) {
    problems.push(`METRICS_PORT must differ from PORT (${config.port}): metrics are never served on the public port`);
  }
  if (config.jwtAlg === "HS256") {
    const secret = config.jwtSecret ?? "";
    if (Buffer.byteLength(secret) < 32) {
      problems.push("JWT_SECRET must be at least 32 bytes of randomness when JWT_ALG=HS256");
    } else if (WEAK_SECRETS.has(secret.toLowerCase())) {
      problems.push("JWT_SECRET is a well-known placeholder; generate one with `openssl rand -base64 48`");
    }
  }
  return problems;
}
