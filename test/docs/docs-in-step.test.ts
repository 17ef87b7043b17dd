// test-databases: one
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { settings } from "../../src/config/schema.js";
import type { Setting } from "../../src/config/setting.js";
import { DIALECTS } from "../../src/dialects/index.js";
import { ERROR_CODES } from "../../src/core/errors.js";
import { STATUS } from "../../src/http/problems.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The rows of the first Markdown table whose header starts with `header`. */
function tableRows(markdown: string, header: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`| ${header} |`));
  assert.ok(start >= 0, `no table headed "${header}"`);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line);
  }
  return rows;
}

describe("documentation stays in step with the code", () => {
  const cells = (setting: Setting<unknown>) =>
    `\`${setting.env}\` | ${setting.default === "" ? "(empty)" : `\`${setting.default}\``} | ${setting.doc} |`;

  it("the README's configuration table lists every setting of the core with its default and text", () => {
    const rows = tableRows(read("README.md"), "variable");
    assert.deepEqual(
      rows,
      Object.values(settings).map((setting) => `| ${cells(setting)}`),
    );
  });

  it("the README's dialect settings table lists every setting each dialect declares", () => {
    const rows = tableRows(read("README.md"), "dialect | variable");
    const expected = DIALECTS.flatMap((dialect) =>
      Object.values(dialect.settings).map((setting) => `| \`${dialect.name}\` | ${cells(setting)}`),
    );
    assert.deepEqual(rows, expected);
  });

  it("docs/errors.md lists every error code with its status and meaning", () => {
    const rows = tableRows(read("docs/errors.md"), "code");
    const expected = Object.entries(ERROR_CODES).map(
      ([code, meaning]) => `| \`${code}\` | ${STATUS[code as keyof typeof STATUS]} | ${meaning} |`,
    );
    assert.deepEqual(rows, expected);
  });
});
