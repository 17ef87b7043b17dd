// Runs every test/**/*.test.ts file with Node's test runner (TypeScript through tsx), once per
// database in GATEHOUSE_TEST_DATABASES (default "sqlite,postgres"). The PostgreSQL pass runs the
// files that start servers; if PostgreSQL cannot be reached it is skipped with a loud warning,
// unless GATEHOUSE_TEST_REQUIRE_SERVICES=1 (as in CI), where that is a failure. Files named
// *.timing.test.ts measure response times statistically; they run last and alone, so that no
// other test's load blurs what they compare.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

const ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const requireServices = process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1";

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Files whose servers run on the database under test (the others do not depend on it). */
const usesDatabase = (file) => /helpers\/(server|database)\.js/.test(readFileSync(file, "utf8"));

async function postgresReachable() {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    return error.message;
  } finally {
    await client.end().catch(() => {});
  }
}

const isTiming = (file) => file.endsWith(".timing.test.ts");

function run(database, files) {
  const parallel = files.filter((file) => !isTiming(file));
  const alone = files.filter(isTiming);
  let status = 0;
  for (const [group, concurrency] of [
    [parallel, 2],
    [alone, 1],
  ]) {
    if (group.length === 0) continue;
    console.log(`\n=== tests on ${database} (${group.length} files${concurrency === 1 ? ", one at a time" : ""}) ===`);
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...group],
      { stdio: "inherit", env: { ...process.env, GATEHOUSE_TEST_DATABASE: database } },
    );
    if (result.status !== 0) status = result.status ?? 1;
  }
  return status;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find("test").sort();
const databases = (process.env.GATEHOUSE_TEST_DATABASES ?? "sqlite,postgres").split(",").map((name) => name.trim());
let failed = false;
for (const database of databases) {
  if (database === "postgres") {
    const reachable = await postgresReachable();
    if (reachable !== true) {
      const warning = `POSTGRES NOT REACHABLE at ${ADMIN_URL} (${reachable}): the PostgreSQL pass is SKIPPED`;
      console.error(`\n${"!".repeat(warning.length)}\n${warning}\n${"!".repeat(warning.length)}`);
      if (requireServices) failed = true;
      continue;
    }
    const dependent = files.filter(usesDatabase);
    if (dependent.length > 0 && run("postgres", dependent) !== 0) failed = true;
  } else if (database === "sqlite") {
    if (run("sqlite", files) !== 0) failed = true;
  } else {
    console.error(`unknown database in GATEHOUSE_TEST_DATABASES: ${database}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
