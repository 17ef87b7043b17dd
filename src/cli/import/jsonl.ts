import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { findJsonProblem } from "../../core/strict-json.js";
import type { ImportRecord } from "../../dialects/types.js";
import { SourceError } from "../options.js";

/** A line longer than this is rejected unread: memory stays bounded whatever the input. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** How much of an over-long line the rejects file keeps. */
const KEPT_OF_LONG_LINE = 1024;

/** Gatehouse's own import format (docs/import.md) read from a file or standard input. */
export type JsonLinesSource = {
  records(): AsyncIterable<ImportRecord>;
  close(): Promise<void>;
  /** Bytes read so far, and the input's size when it is known (a file): for the progress's ETA. */
  bytesRead(): number;
  totalBytes: number | null;
};

/** Opens FILE, or standard input for `-`; a file that cannot be read fails here, before anything is written. */
export async function openJsonLines(path: string, stdin: Readable = process.stdin): Promise<JsonLinesSource> {
  if (path === "-") return fromStream(stdin, null, async () => {});
  let handle;
  try {
    handle = await open(path, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    const stream = handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: false });
    const opened = handle;
    return fromStream(stream, stat.size, () => opened.close());
  } catch (error) {
    await handle?.close();
    const { code, message } = error as NodeJS.ErrnoException;
    throw new SourceError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (code ?? message)}`);
  }
}

function fromStream(stream: Readable, totalBytes: number | null, close: () => Promise<void>): JsonLinesSource {
  let bytes = 0;
  async function* lines(): AsyncGenerator<{ number: number; bytes: Buffer; tooLong: boolean }> {
    let parts: Buffer[] = [];
    let size = 0;
    let tooLong = false;
    let number = 0;
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      let start = 0;
      for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
        const piece = buffer.subarray(start, end);
        if (!tooLong) parts.push(piece);
        yield { number: ++number, bytes: Buffer.concat(parts), tooLong: tooLong || size + piece.length > MAX_LINE_BYTES };
        parts = [];
        size = 0;
        tooLong = false;
        start = end + 1;
      }
      const rest = buffer.subarray(start);
      size += rest.length;
      // Past the limit only the beginning is kept, for the rejects file.
      if (size > MAX_LINE_BYTES && !tooLong) {
        tooLong = true;
        parts = [Buffer.concat([...parts, rest]).subarray(0, KEPT_OF_LONG_LINE)];
      } else if (!tooLong) parts.push(Buffer.from(rest));
    }
    if (parts.length > 0 && Buffer.concat(parts).length > 0) yield { number: ++number, bytes: Buffer.concat(parts), tooLong };
  }
  return {
    totalBytes,
    bytesRead: () => bytes,
    close,
    async *records() {
      for await (const line of lines()) {
        const record = toRecord(line.number, line.bytes, line.tooLong);
        if (record) yield record;
      }
    },
  };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** One line as a record; blank lines are no records (their numbers still count). */
function toRecord(line: number, bytes: Buffer, tooLong: boolean): ImportRecord | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { line, input: bytes.toString("utf8"), error: "the line is not valid UTF-8" };
  }
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (tooLong) return { line, input: text.slice(0, KEPT_OF_LONG_LINE), error: `the line is longer than ${MAX_LINE_BYTES} bytes` };
  if (text.trim() === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, input: text, error: "the line is not valid JSON" };
  }
  const problem = findJsonProblem(text);
  if (problem === "duplicate_key") return { line, input: text, error: "the line repeats a member name" };
  if (problem === "too_deep") return { line, input: text, error: "the line is nested too deeply" };
  return { line, input: text, value };
}
