import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Relative imports that leave a folder for one of these are refused there (see ARCHITECTURE.md). */
const outside = (...folders) => `^(\\.\\./)+(${folders.join("|")})(/|\\.js$)`;
const DATABASE_DRIVERS = ["kysely", "pg", "better-sqlite3", "ioredis", "mysql2"];
/** The one file of a dialect that may open a database: the original server's, for import. */
const IMPORT_SOURCE = "src/dialects/*/import-source.ts";
const bannedPackages = (names, message) => names.map((name) => ({ group: [name, `${name}/*`], message }));

/** What a dialect's import source may import besides: the shared MySQL reading (it names no dialect). */
const IMPORT_SOURCE_RELATIVE_IMPORTS = {
  regex: "^\\.\\./(?!types\\.js$|mysql-source\\.js$|\\.\\./core/index\\.js$|\\.\\./http/)",
  message: "an import source imports only its own files, ../types.js, ../mysql-source.js, ../../core/index.js and ../../http/*",
};

/** What a dialect's files may import from outside their folder. */
const DIALECT_RELATIVE_IMPORTS = {
  regex: "^\\.\\./(?!types\\.js$|\\.\\./core/index\\.js$|\\.\\./http/)",
  message: "a dialect imports only its own files, ../types.js, ../../core/index.js and ../../http/*",
};

/** The layer rules, each as a `no-restricted-imports` pattern list. */
const LAYERS = [
  {
    // The core is the domain: no framework, no database, nothing of the layers around it.
    files: ["src/core/**"],
    patterns: [
      ...bannedPackages(
        ["fastify", "@fastify/*", "nodemailer", "pino", ...DATABASE_DRIVERS],
        "the core knows no HTTP, SQL or mail",
      ),
      {
        regex: outside("http", "store", "dialects", "config", "mail", "cli", "server", "main", "cluster", "logger", "metrics"),
        message: "the core imports nothing outside src/core",
      },
    ],
  },
  {
    // A dialect sees the core's public face, the shared HTTP helpers and its contract; never the
    // store, the configuration, the core's insides or another dialect.
    files: ["src/dialects/*/**"],
    ignores: [IMPORT_SOURCE],
    patterns: [...bannedPackages(DATABASE_DRIVERS, "a dialect never touches the database"), DIALECT_RELATIVE_IMPORTS],
  },
  {
    // A dialect's import source reads the original server's MySQL or SQLite store, never
    // Gatehouse's own: Kysely, pg and Redis stay out of it.
    files: [IMPORT_SOURCE],
    patterns: [
      ...bannedPackages(
        DATABASE_DRIVERS.filter((name) => !["mysql2", "better-sqlite3"].includes(name)),
        "an import source reads the original's store (mysql2, better-sqlite3), never Gatehouse's",
      ),
      IMPORT_SOURCE_RELATIVE_IMPORTS,
    ],
  },
  {
    // The store implements the core's ports and nothing else of it.
    files: ["src/store/**"],
    patterns: [
      ...bannedPackages(["fastify", "@fastify/*"], "the store knows no HTTP"),
      {
        regex: outside("http", "dialects", "config", "mail", "cli", "server", "main", "cluster", "metrics"),
        message: "the store imports only the core's ports",
      },
      {
        regex: "^(\\.\\./)+core/(?!(admin/|webhooks/)?ports\\.js$)",
        message:
          "the store imports only the core's ports (src/core/ports.ts, src/core/admin/ports.ts, src/core/webhooks/ports.ts)",
      },
    ],
  },
  {
    // The metrics: prom-client and the core's public types; nothing of the layers that feed them.
    files: ["src/metrics/**"],
    patterns: [
      ...bannedPackages(
        ["fastify", "@fastify/*", "nodemailer", "pino", ...DATABASE_DRIVERS],
        "the metrics know no HTTP framework, SQL or mail",
      ),
      {
        regex: "^\\.\\./(?!core/(ports|index)\\.js$)",
        message: "the metrics import only prom-client, node:* and the core's public types",
      },
    ],
  },
  {
    // Shared HTTP code serves every front door, so it names none and never reaches the store.
    files: ["src/http/**"],
    patterns: [
      ...bannedPackages(["kysely", "pg", "better-sqlite3", "mysql2"], "HTTP code never touches the database"),
      { regex: outside("store", "cli"), message: "HTTP code calls the core, never the store" },
      { regex: "^(\\.\\./)+dialects/(?!types\\.js$)", message: "shared HTTP code names no dialect" },
    ],
  },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: "error",
      "no-console": "error",
    },
  },
  ...LAYERS.map(({ files, ignores, patterns }) => ({
    files,
    ...(ignores ? { ignores } : {}),
    rules: { "no-restricted-imports": ["error", { patterns }] },
  })),
  {
    files: ["scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-console": "off" },
  },
);
