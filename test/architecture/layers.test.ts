// test-databases: one
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ESLint } from "eslint";

const eslint = new ESLint({ cwd: new URL("../..", import.meta.url).pathname });

/** The layer-rule messages ESLint reports for `code` as if it were the file at `filePath`. */
async function layerViolations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = imported;\n`, { filePath });
  assert.ok(result, "ESLint linted nothing");
  return result.messages.filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message);
}

const importing = (from: string) => `import { imported } from "${from}";`;

describe("the layer rules are enforced by lint", () => {
  const refused: [string, string, RegExp][] = [
    ["src/dialects/jwt-auth/routes.ts", "../../store/kysely/connect.js", /dialect/],
    ["src/dialects/jwt-auth/routes.ts", "../../core/ports.js", /dialect imports only/],
    ["src/dialects/jwt-auth/routes.ts", "../../core/accounts/login.js", /dialect imports only/],
    ["src/dialects/jwt-auth/routes.ts", "../../config/load.js", /dialect imports only/],
    ["src/dialects/jwt-auth/routes.ts", "../terminal/errors.js", /dialect imports only/],
    ["src/dialects/terminal/index.ts", "kysely", /never touches the database/],
    ["src/dialects/jwt-auth/routes.ts", "mysql2/promise", /never touches the database/],
    ["src/dialects/terminal/routes.ts", "better-sqlite3", /never touches the database/],
    // The import source reads the original's store only: never Gatehouse's through Kysely or pg.
    ["src/dialects/jwt-auth/import-source.ts", "kysely", /never Gatehouse's/],
    ["src/dialects/jwt-auth/import-source.ts", "pg", /never Gatehouse's/],
    ["src/dialects/jwt-auth/import-source.ts", "../../store/kysely/connect.js", /import source imports only/],
    ["src/dialects/jwt-auth/import-source.ts", "../terminal/import-source.js", /import source imports only/],
    ["src/dialects/jwt-auth/routes.ts", "../mysql-source.js", /dialect imports only/],
    ["src/core/accounts/login.ts", "mysql2", /core knows no HTTP/],
    ["src/http/app.ts", "mysql2/promise", /never touches the database/],
    ["src/core/accounts/login.ts", "fastify", /core knows no HTTP/],
    ["src/core/accounts/login.ts", "better-sqlite3", /core knows no HTTP/],
    ["src/core/accounts/login.ts", "../../store/kysely/users.js", /nothing outside src\/core/],
    ["src/core/index.ts", "../http/fields.js", /nothing outside src\/core/],
    ["src/core/index.ts", "../dialects/index.js", /nothing outside src\/core/],
    ["src/core/tokens/jwt.ts", "../../config/schema.js", /nothing outside src\/core/],
    ["src/store/kysely/users.ts", "../../core/accounts/login.js", /only the core's ports/],
    ["src/store/kysely/users.ts", "../../http/fields.js", /only the core's ports/],
    ["src/store/kysely/users.ts", "fastify", /store knows no HTTP/],
    ["src/http/routes/oauth.ts", "../../store/kysely/connect.js", /never the store/],
    ["src/http/app.ts", "../dialects/jwt-auth/index.js", /names no dialect/],
    ["src/metrics/registry.ts", "fastify", /metrics know no HTTP framework/],
    ["src/metrics/registry.ts", "pg", /metrics know no HTTP framework, SQL/],
    ["src/metrics/registry.ts", "../store/kysely/connect.js", /metrics import only/],
    ["src/metrics/registry.ts", "../http/app.js", /metrics import only/],
    ["src/metrics/registry.ts", "../core/accounts/login.js", /metrics import only/],
    ["src/core/accounts/login.ts", "../../metrics/registry.js", /nothing outside src\/core/],
    ["src/store/kysely/connect.ts", "../../metrics/index.js", /only the core's ports/],
  ];
  for (const [file, from, message] of refused) {
    it(`refuses ${from} in ${file}`, async () => {
      const violations = await layerViolations(file, importing(from));
      assert.ok(violations.length > 0, `no layer violation reported for ${from} in ${file}`);
      assert.match(violations.join("\n"), message);
    });
  }

  const allowed: [string, string][] = [
    ["src/dialects/jwt-auth/routes.ts", "../../core/index.js"],
    ["src/dialects/jwt-auth/routes.ts", "../../http/fields.js"],
    ["src/dialects/jwt-auth/routes.ts", "../types.js"],
    ["src/dialects/jwt-auth/routes.ts", "./errors.js"],
    ["src/core/accounts/login.ts", "../ports.js"],
    ["src/store/kysely/users.ts", "../../core/ports.js"],
    ["src/http/app.ts", "../dialects/types.js"],
    ["src/dialects/jwt-extended/import-source.ts", "mysql2/promise"],
    ["src/dialects/jwt-auth/import-source.ts", "mysql2"],
    ["src/dialects/terminal/import-source.ts", "better-sqlite3"],
    ["src/dialects/terminal/import-source.ts", "../types.js"],
    ["src/dialects/jwt-auth/import-source.ts", "../mysql-source.js"],
    ["src/metrics/registry.ts", "prom-client"],
    ["src/metrics/registry.ts", "../core/ports.js"],
    ["src/metrics/store.ts", "./registry.js"],
    ["src/http/request-metrics.ts", "../metrics/registry.js"],
  ];
  for (const [file, from] of allowed) {
    it(`allows ${from} in ${file}`, async () => {
      assert.deepEqual(await layerViolations(file, importing(from)), []);
    });
  }
});
