// Runs every test/**/*.test.ts file with Node's test runner (TypeScript through tsx), once per
// database in GATEHOUSE_TEST_DATABASES (default "sqlite,postgres"). Each test file declares on its
// first line which databases it needs, exactly one of:
//   // test-databases: each     runs once per database in GATEHOUSE_TEST_DATABASES
//   // test-databases: one      does not depend on the database; runs once (in the SQLite pass,
//                               or in the first pass that runs when SQLite is not listed)
//   // test-databases: sqlite   runs on SQLite only
//   // test-databases: postgres runs on PostgreSQL only (what it needs exists only there)
// A file without a valid declaration fails the run before any test starts, naming the file.
// If PostgreSQL cannot be reached its pass is skipped with a loud warning, unless
// GATEHOUSE_TEST_REQUIRE_SERVICES=1 (as in CI), where that is a failure. Files named
// *.timing.test.ts measure response times statistically; they run last and alone, so that no
// other test's load blurs what they compare.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

const ADMIN_URL = process.env.GATEHOUSE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const requireServices = process.env.GATEHOUSE_TEST_REQUIRE_SERVICES === "1";
const KNOWN_DATABASES = ["sqlite", "postgres"];
const DECLARATION = /^\/\/ test-databases: (each|one|sqlite|postgres)$/;

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The file's declared databases ("each", "one", "sqlite" or "postgres"), or null without a valid first line. */
function declaration(file) {
  const firstLine = readFileSync(file, "utf8").split(/\r?\n/, 1)[0] ?? "";
  return DECLARATION.exec(firstLine)?.[1] ?? null;
}

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

/** Exits before any test runs if a file lacks its declaration or a database name is unknown. */
function checkInputs(files, databases) {
  const undeclared = files.filter((file) => declaration(file) === null);
  const unknown = databases.filter((name) => !KNOWN_DATABASES.includes(name));
  for (const file of undeclared) {
    console.error(
      `${file}: the first line must declare the databases the file needs, exactly one of ` +
        `"// test-databases: each", "// test-databases: one", "// test-databases: sqlite" or "// test-databases: postgres"`,
    );
  }
  for (const name of unknown) console.error(`unknown database in GATEHOUSE_TEST_DATABASES: ${name}`);
  if (undeclared.length > 0 || unknown.length > 0) process.exit(1);
}

/** The files of one pass: "each" always, "sqlite" and "postgres" on theirs only, "one" in the pass chosen for them. */
function filesFor(database, files, runsOnce) {
  return files.filter((file) => {
    const needs = declaration(file);
    if (needs === "each") return true;
    if (needs === "sqlite" || needs === "postgres") return database === needs;
    return runsOnce;
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find("test").sort();
const databases = (process.env.GATEHOUSE_TEST_DATABASES ?? "sqlite,postgres").split(",").map((name) => name.trim());
checkInputs(files, databases);

let failed = false;
let onceFilesRan = false;
for (const database of databases) {
  if (database === "postgres") {
    const reachable = await postgresReachable();
    if (reachable !== true) {
      const warning = `POSTGRES NOT REACHABLE at ${ADMIN_URL} (${reachable}): the PostgreSQL pass is SKIPPED`;
      console.error(`\n${"!".repeat(warning.length)}\n${warning}\n${"!".repeat(warning.length)}`);
      if (requireServices) failed = true;
      continue;
    }
  }
  // Files that run once go to the SQLite pass if there is one, else to the first pass that runs.
  const runsOnce = !onceFilesRan && (database === "sqlite" || !databases.includes("sqlite"));
  const pass = filesFor(database, files, runsOnce);
  if (runsOnce) onceFilesRan = true;
  if (pass.length > 0 && run(database, pass) !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
