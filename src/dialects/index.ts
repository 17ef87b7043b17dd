import { ConfigError } from "../config/load.js";
import { jwtAuth } from "./jwt-auth/index.js";
import { jwtExtended } from "./jwt-extended/index.js";
import { springOAuth } from "./spring-oauth/index.js";
import { terminal } from "./terminal/index.js";
import type { Dialect } from "./types.js";

/** Every dialect Gatehouse can serve, by the name `DIALECTS` uses. */
export const DIALECTS: readonly Dialect[] = [jwtExtended, jwtAuth, terminal, springOAuth];

/** The dialects selected by `DIALECTS` (`all`, `none` or a list); throws on unknown names. */
export function selectDialects(names: readonly string[]): Dialect[] {
  if (names.length === 0 || names.includes("all")) return [...DIALECTS];
  if (names.includes("none")) return [];
  const unknown = names.filter((name) => !DIALECTS.some((dialect) => dialect.name === name));
  if (unknown.length > 0) {
    const known = DIALECTS.map((dialect) => dialect.name).join(", ");
    throw new ConfigError([`DIALECTS has unknown entries: ${unknown.join(", ")} (known: ${known}, all, none)`]);
  }
  return DIALECTS.filter((dialect) => names.includes(dialect.name));
}
