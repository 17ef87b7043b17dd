// test-databases: one
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { MAX_LINE_BYTES, openJsonLines } from "../../src/cli/import/jsonl.js";
import { startProgress } from "../../src/cli/import/progress.js";
import { SourceError } from "../../src/cli/options.js";
import type { ImportRecord } from "../../src/dialects/types.js";

const collect = async (records: AsyncIterable<ImportRecord>) => {
  const out: ImportRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
};

describe("the JSON Lines reader of gatehouse import", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-jsonl-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("numbers physical lines, skips blank ones, strips CRLF and reports bad lines as errors", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"username":"a"}\r\n\n'),
      Buffer.from("[1,2\n"),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
      Buffer.from('{"a":1,"a":2}\n'),
      Buffer.from('{"username":"last"}'),
    ]);
    // Fed a byte at a time: a line split across chunks is read whole.
    const source = await openJsonLines("-", Readable.from([...bytes].map((byte) => Buffer.from([byte]))));
    const records = await collect(source.records());
    assert.deepEqual(
      records.map((record) => [record.line, "error" in record ? record.error : record.value]),
      [
        [1, { username: "a" }],
        [3, "the line is not valid JSON"],
        [4, "the line is not valid UTF-8"],
        [5, "the line repeats a member name"],
        [6, { username: "last" }],
      ],
    );
    assert.equal(source.bytesRead(), bytes.length);
    assert.equal(source.totalBytes, null);
  });

  it("refuses a line over the limit without holding it, and reads on", async () => {
    const path = join(dir, "long.jsonl");
    writeFileSync(path, `{"username":"${"x".repeat(MAX_LINE_BYTES + 10)}"}\n{"username":"after"}\n`);
    const source = await openJsonLines(path);
    const records = await collect(source.records());
    await source.close();
    assert.equal(records.length, 2);
    const [long, next] = records;
    assert.ok(long && "error" in long && /longer than/.test(long.error));
    assert.equal(long?.input.length, 1024, "only the line's beginning is kept");
    assert.deepEqual(next && "value" in next ? next.value : null, { username: "after" });
    assert.equal(source.totalBytes, source.bytesRead());
  });

  it("a file that cannot be read is one SourceError", async () => {
    await assert.rejects(openJsonLines(join(dir, "absent.jsonl")), (error: unknown) => error instanceof SourceError);
    await assert.rejects(openJsonLines(dir), /cannot read .*EISDIR/);
  });
});

describe("the progress of gatehouse import", () => {
  it("draws a bar with the share read and the time left on a terminal, counts only", async () => {
    const written: string[] = [];
    const output = { isTTY: true, write: (text: string) => written.push(text) };
    const progress = startProgress(output, () => ({ done: 250, total: 1000 }), Date.now() - 1000);
    progress.watch({ rows: 500, imported: 490, updated: 0, skipped: 5, rejected: 5, roles: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.stop();
    const last = written.filter((text) => text.startsWith("\r")).at(-1) ?? "";
    assert.match(
      last,
      /^\r\[######-{18}\] 25% 500 rows \(490 imported, 0 updated, 5 skipped, 5 rejected\), \d+ rows\/s, ETA 0:0\d/,
    );
    assert.equal(written.at(-1), "\n");
  });
});
