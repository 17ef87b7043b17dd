import type { FastifyInstance } from "fastify";
import type { DialectSettings } from "../config/schema.js";
import type { SettingTable, SettingValues } from "../config/setting.js";
import type { BuiltInClient, FrontDoorCore, UserSummary } from "../core/index.js";
import type { JsonSchema } from "../http/schemas.js";

// A dialect declares its settings with the same parsers as the core's own.
export { boolean, DAY, integer, oneOf, seconds, type Setting, text, url } from "../config/setting.js";

export type DialectOptions<S extends SettingTable = SettingTable> = {
  /** The front-door face of the core: no administrative operation is reachable through it. */
  core: FrontDoorCore;
  /** This dialect's own settings, validated and frozen with the rest of the configuration. */
  settings: SettingValues<S>;
};

/**
 * One legacy wire format, entirely in its folder `src/dialects/<name>/`: an encapsulated
 * Fastify plugin with its own routes and error renderer, its settings, its token lifetimes and
 * what it adds to shared endpoints. It imports the core (through `src/core/index.ts`), the
 * shared HTTP helpers and this contract, never the store, the configuration or another dialect.
 */
export type Dialect<S extends SettingTable = SettingTable> = {
  name: string;
  /** One line for the start-up log. */
  summary: string;
  /** Its settings: environment names, defaults, docs (the README's rows) and parsers. */
  settings: S;
  /**
   * The longest any token it issues can stay valid, in seconds: a superseded signing key keeps
   * verifying at least this long.
   */
  longestTokenLifetime: (settings: SettingValues<S>) => number;
  /**
   * Checks across its own settings (one that requires another, say): each problem a line that
   * names the variable, reported by `loadConfig` with every other configuration problem.
   */
  checkSettings?: (settings: SettingValues<S>) => string[];
  /** Paths under `ISSUER` that its tokens may carry as `iss` (the endpoint that issued them). */
  issuerPaths?: readonly string[];
  /** A first-party OAuth client its front ends use, created or updated at start-up. */
  builtInClient?: (settings: SettingValues<S>) => BuiltInClient;
  /**
   * Extra members of a successful `/oauth/token` response that carries a user's tokens, while
   * this dialect is on (RFC 6749 §5.1 allows additional members).
   */
  tokenResponseFields?: (user: UserSummary) => Record<string, unknown>;
  /** The JSON schemas of the members `tokenResponseFields` adds, for `/openapi.json`. */
  tokenResponseProperties?: Record<string, JsonSchema>;
  plugin: (app: FastifyInstance, options: DialectOptions<S>) => Promise<void>;
  /**
   * Reads the original server's own store (`gatehouse import --from <name> --source ...`),
   * translated into records of Gatehouse's import format (`docs/import.md`). Lives in the
   * dialect's `import-source.ts`, the one file of a dialect that may open a database: the
   * original's, never Gatehouse's.
   */
  importSource?: ImportSourceReader;
};

/** How a dialect's original store is named on the command line and opened. */
export type ImportSourceReader = {
  /** What `--source` takes, for the usage text: `mysql://user:pass@host:3306/db`, say. */
  sourceForm: string;
  /** Opens the source; a source that cannot be reached or read fails here, before anything is written. */
  open(source: string): Promise<ImportSource>;
};

/**
 * A stream of records in Gatehouse's import format, roles before the users that name them.
 * `value` is one object of the format (`{"type":"role",...}` or a user), not yet validated;
 * a record the reader could not translate carries `error` instead. `line` numbers records
 * from 1 in source order; `input` is the original row or line, for the rejects file.
 */
export type ImportSource = {
  records(): AsyncIterable<ImportRecord>;
  close(): Promise<void>;
};

export type ImportRecord = { line: number; input: string } & ({ value: unknown } | { error: string });

/**
 * Types a dialect against its own settings table and files it among the others. (A dialect's
 * functions take its own settings, so the registry holds them under the general type.)
 */
export const defineDialect = <S extends SettingTable>(dialect: Dialect<S>): Dialect => dialect as unknown as Dialect;

/** A dialect's own parsed settings, out of the configuration's `dialectSettings`. */
export const settingsOf = (dialect: Dialect, all: DialectSettings): Readonly<Record<string, unknown>> => all[dialect.name] ?? {};
