// test-databases: one
// A dialect lives in its folder: removing the folder and its line in the registry removes it
// entirely, so nothing else in src/ may name it, import it or read its settings (see #13).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { DIALECTS } from "../../src/dialects/index.js";

const SRC = new URL("../../src/", import.meta.url).pathname;
const REGISTRY = "dialects/index.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(SRC, path)] : [];
  });
}

/** Dialect names that are also words of the domain: a session's `terminal` is its device. */
const DOMAIN_WORDS = new Set(["terminal"]);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("each dialect is named only in its own folder and the registry", () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 50, "found the source files");

  for (const dialect of DIALECTS) {
    it(`${dialect.name}: no other source file names it, imports it or reads its settings`, () => {
      const names = [`dialects/${dialect.name}/`, ...Object.values(dialect.settings).map((setting) => setting.env)];
      if (!DOMAIN_WORDS.has(dialect.name)) names.push(dialect.name);
      // A name as a word of its own: in quotes or backticks, or as an import path.
      const pattern = new RegExp(`(["'\`/])(${names.map(escape).join("|")})(?![\\w-])`);
      const outside = files.filter((file) => !file.startsWith(`dialects/${dialect.name}/`) && file !== REGISTRY);
      const naming = outside.filter((file) => pattern.test(readFileSync(join(SRC, file), "utf8")));
      assert.deepEqual(naming, []);
    });
  }

  it("the registry's own imports are the dialects' index files", () => {
    const imports = [...readFileSync(join(SRC, REGISTRY), "utf8").matchAll(/from "\.\/([^"]+)"/g)].map((match) => match[1]);
    const expected = DIALECTS.map((dialect) => `${dialect.name}/index.js`).concat("types.js");
    assert.deepEqual([...imports].sort(), expected.sort());
  });
});
