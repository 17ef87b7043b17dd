// Dependency gate (security S73), run by CI after `npm ci`:
//   1. the lock file is committed and every security-relevant package in it is at or above the
//      first release that fixed its known advisories (the floors below, with their reasons);
//   2. `npm audit` reports no high or critical advisory in the production dependencies.
// Where the advisory service cannot be reached (an offline mirror answers 405, say), step 2
// says so loudly and the floors of step 1 remain the gate; any finding it does report fails.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** [package, lowest acceptable version, why] */
const FLOORS = [
  ["jose", "4.15.5", "CVE-2024-28176 (JWE decompression); later majors also carry the alg-pinning fixes"],
  ["fastify", "5.3.2", "CVE-2025-32442 (content-type validation bypass)"],
  ["find-my-way", "8.2.2", "CVE-2024-45813 (ReDoS in route parameters)"],
  ["secure-json-parse", "2.7.0", "prototype poisoning protections used by our JSON parser"],
  ["nodemailer", "6.9.9", "GHSA-9h6g-pr28-7cqp (ReDoS in address parsing)"],
  ["@node-rs/argon2", "2.0.0", "Argon2id with explicit parameters"],
  ["mysql2", "3.9.8", "CVE-2024-21508, CVE-2024-21511, CVE-2024-21512 (code injection, prototype pollution)"],
  ["@node-rs/bcrypt", "1.10.7", "bcrypt verification of imported hashes ($2a$, $2b$, $2y$)"],
];

const fail = (message) => {
  process.stderr.write(`dependency gate: ${message}\n`);
  process.exitCode = 1;
};

const newer = (version, floor) => {
  const [a, b] = [version, floor].map((v) => v.split(/[.-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

if (!existsSync("package-lock.json")) fail("package-lock.json is missing");
else {
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
  for (const [name, floor, why] of FLOORS) {
    const version = lock.packages?.[`node_modules/${name}`]?.version;
    if (!version) fail(`${name} is not in the lock file`);
    else if (!newer(version, floor)) fail(`${name} ${version} is older than ${floor}: ${why}`);
    else process.stdout.write(`dependency gate: ${name} ${version} >= ${floor}\n`);
  }
}

const audit = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8" });
let report = null;
try {
  report = JSON.parse(audit.stdout);
} catch {
  report = null;
}
const counts = report?.metadata?.vulnerabilities;
if (!counts) {
  process.stderr.write(
    "dependency gate: WARNING: `npm audit` could not reach an advisory service " +
      `(${auditProblem(audit.stderr)}); only the version floors were checked\n`,
  );
} else if (counts.high > 0 || counts.critical > 0) {
  fail(`npm audit reports ${counts.high} high and ${counts.critical} critical advisories in production dependencies`);
} else {
  process.stdout.write(`dependency gate: npm audit: no high or critical advisories (${JSON.stringify(counts)})\n`);
}

function auditProblem(stderr) {
  const lines = (stderr || "").split("\n").filter((line) => /audit/i.test(line) && !/complete log/.test(line));
  return lines[0]?.trim() ?? "no answer";
}
