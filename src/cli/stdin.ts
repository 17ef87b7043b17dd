import type { Readable } from "node:stream";
import { UsageError } from "./options.js";

/** Far more than any password or secret; past it the input is not what was meant. */
const MAX_BYTES = 64 * 1024;

/**
 * Reads a secret given on standard input (`--password-stdin`), so that it never appears in the
 * process's arguments (`ps`, `/proc/<pid>/cmdline`) or in shell history. The input is one line:
 * its trailing newline is removed and nothing else is trimmed, since spaces (or a carriage
 * return) may belong to the secret. Reads to the end of the input, as from a pipe or a file.
 */
export async function readSecretLine(input: Readable, flag: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_BYTES) throw new UsageError(`--${flag}: standard input is longer than ${MAX_BYTES} bytes`);
    chunks.push(bytes);
  }
  let text: string;
  try {
    // Invalid UTF-8 is refused, not replaced: a secret must not change silently on its way in.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError(`--${flag}: standard input is not valid UTF-8`);
  }
  const line = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (line === "") throw new UsageError(`--${flag}: standard input is empty`);
  if (line.includes("\n")) throw new UsageError(`--${flag}: standard input holds more than one line`);
  return line;
}
