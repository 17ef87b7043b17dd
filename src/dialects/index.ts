import { jwtAuth } from "./jwt-auth/index.js";
import { jwtExtended } from "./jwt-extended/index.js";
import { springOAuth } from "./spring-oauth/index.js";
import { terminal } from "./terminal/index.js";
import type { Dialect } from "./types.js";

/**
 * Every dialect Gatehouse can serve, by the name `DIALECTS` uses. The one place that names
 * them: removing a dialect's folder and its line here removes it entirely.
 */
export const DIALECTS: readonly Dialect[] = [jwtExtended, jwtAuth, terminal, springOAuth];

/** Names in a `DIALECTS` list that are not dialects (nor `all` / `none`). */
export function unknownDialects(names: readonly string[]): string[] {
  return names.filter((name) => name !== "all" && name !== "none" && !DIALECTS.some((dialect) => dialect.name === name));
}

/** The dialects selected by `DIALECTS` (`all`, `none` or a list of names, checked at load). */
export function selectDialects(names: readonly string[]): Dialect[] {
  if (names.length === 0 || names.includes("all")) return [...DIALECTS];
  if (names.includes("none")) return [];
  return DIALECTS.filter((dialect) => names.includes(dialect.name));
}
