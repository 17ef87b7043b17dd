// Reads a mongoexport of the Spring server's `user` collection for
// `gatehouse import --from spring-oauth`: MongoDB Extended JSON, one document a line (relaxed,
// mongoexport's default, or canonical with --jsonFormat=canonical), streamed line by line and
// translated into Gatehouse's import format (docs/import.md).
import { type FileHandle, open as openFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { ImportRecord, ImportSource, ImportSourceReader } from "../types.js";

const SOURCE_FORM = "/path/to/user.json (mongoexport --collection=user)";

/**
 * A BSON date in Extended JSON: `{"$date": "ISO 8601"}` (relaxed), `{"$date": {"$numberLong":
 * "ms"}}` (canonical, and relaxed for dates before 1970 or after 9999), or `{"$date": ms}`
 * (older exports). Returns ISO 8601, or null for anything else.
 */
function extendedDate(value: unknown): string | null {
  if (typeof value !== "object" || value === null || !("$date" in value)) return null;
  const inner = (value as { $date: unknown }).$date;
  let milliseconds: number;
  if (typeof inner === "string") milliseconds = Date.parse(inner);
  else if (typeof inner === "number") milliseconds = inner;
  else if (typeof inner === "object" && inner !== null && typeof (inner as { $numberLong?: unknown }).$numberLong === "string")
    milliseconds = Number((inner as { $numberLong: string }).$numberLong);
  else return null;
  return Number.isFinite(milliseconds) && Math.abs(milliseconds) <= 8.64e15 ? new Date(milliseconds).toISOString() : null;
}

/** One document of the collection as a user line; a string reason when it cannot be one. */
function translate(document: Record<string, unknown>): Record<string, unknown> | string {
  const { _id: id, username, password, email, avatarUrl, createdDate } = document;
  // The login id is the document's _id; an ObjectId there means it is not this collection.
  if (typeof id !== "string" || id === "") return "_id is not a string (the user's login id)";
  const value: Record<string, unknown> = { type: "user", username: id };
  if (typeof username === "string") value.display_name = username;
  if (typeof email === "string" && email !== "") {
    value.email = email;
    // The original registered an address only after a code mailed to it was entered.
    value.email_verified = true;
  }
  if (typeof avatarUrl === "string") value.attributes = { avatarUrl };
  if (createdDate !== undefined && createdDate !== null) {
    const createdAt = extendedDate(createdDate);
    if (createdAt === null) return "createdDate is not an Extended JSON date";
    value.created_at = createdAt;
  }
  if (typeof password === "string" && password !== "") value.password_hash = password;
  return value;
}

function record(line: number, input: string): ImportRecord {
  let document: unknown;
  try {
    document = JSON.parse(input);
  } catch (error) {
    return { line, input, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return { line, input, error: "not a JSON object (one exported document a line)" };
  const value = translate(document as Record<string, unknown>);
  return typeof value === "string" ? { line, input, error: value } : { line, input, value };
}

async function* records(file: FileHandle): AsyncGenerator<ImportRecord> {
  const lines = createInterface({
    input: file.createReadStream({ encoding: "utf8", start: 0, autoClose: false }),
    crlfDelay: Infinity,
  });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    // The file's own line numbers, so that a reason points at the line; blank lines are skipped.
    if (text.trim() !== "") yield record(line, text.replace(/^\uFEFF/, ""));
  }
}

/** The first characters of the file, to refuse a --jsonArray export before anything is read. */
async function firstCharacter(file: FileHandle): Promise<string> {
  const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(256), position: 0 });
  return buffer
    .subarray(0, bytesRead)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart()
    .charAt(0);
}

async function open(source: string): Promise<ImportSource> {
  let file: FileHandle | undefined;
  try {
    file = await openFile(source, "r");
    if (!(await file.stat()).isFile()) throw new Error("not a regular file");
    if ((await firstCharacter(file)) === "[")
      throw new Error("a --jsonArray export; export one document a line (without --jsonArray)");
  } catch (error) {
    await file?.close();
    const { code, message } = error as { code?: string; message?: string };
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : message;
    throw new Error(`cannot read the mongoexport file ${source}: ${reason}`);
  }
  const opened = file;
  return { records: () => records(opened), close: () => opened.close() };
}

export const importSource: ImportSourceReader = { sourceForm: SOURCE_FORM, open };
