/** What a form field holds, checked before it is sent: a value, or the message key of its fault. */
export type Checked<T> =
  { ok: true; value: T } | { ok: false; error: "form.badJson" | "form.notObject" | "form.badUri" | "form.badTime" };

/** One entry a line, blank lines dropped (redirect URIs). */
export const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

/** Names separated by spaces or commas (scopes). */
export const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Redirect URIs, one a line, each an absolute URI (the server holds them to its own rules too). */
export function redirectUris(text: string): Checked<string[]> {
  const uris = lines(text);
  for (const uri of uris) {
    if (!URL.canParse(uri)) return { ok: false, error: "form.badUri" };
  }
  return { ok: true, value: uris };
}

/** A user's attributes: a JSON object; an empty field is the empty object. */
export function attributes(text: string): Checked<Record<string, unknown>> {
  if (!text.trim()) return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: "form.badJson" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, error: "form.notObject" };
  return { ok: true, value: parsed as Record<string, unknown> };
}

/** A `datetime-local` field (the browser's local time) as ISO 8601 in UTC; empty stays empty. */
export function isoTime(local: string): Checked<string> {
  if (!local) return { ok: true, value: "" };
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? { ok: false, error: "form.badTime" } : { ok: true, value: time.toISOString() };
}

/** The members of `edited` that differ from `original` (compared as JSON): the PATCH body. */
export function changed<T extends Record<string, unknown>>(original: T, edited: Partial<T>): Partial<T> {
  const body: Partial<T> = {};
  for (const key of Object.keys(edited) as (keyof T)[]) {
    if (JSON.stringify(edited[key]) !== JSON.stringify(original[key])) body[key] = edited[key];
  }
  return body;
}
