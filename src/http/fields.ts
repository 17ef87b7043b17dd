/** Reading fields off a parsed body whose shape nobody has vouched for. */

export const INVALID = Symbol("invalid");
export type Field = string | undefined | typeof INVALID;

export const MAX_FIELD_LENGTH = 8192;

/**
 * NUL and lone surrogates cannot be stored faithfully (PostgreSQL refuses NUL in text; a lone
 * surrogate becomes U+FFFD and would collide), so no front door ever passes them on. Nor U+FFFD
 * itself: it is what invalid UTF-8 in a body or a percent-encoded form value decodes to, so a
 * field carrying it was mangled on the way and must not be stored or compared.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The body as a record, or `null` when it is a JSON array, string, number or the like. */
export function asRecord(body: unknown): Record<string, unknown> | null {
  if (body === undefined || body === null) return Object.create(null);
  if (typeof body !== "object" || Array.isArray(body)) return null;
  return body as Record<string, unknown>;
}

/**
 * A string field: `undefined` when absent (or JSON null), `INVALID` when of another type,
 * over-long, or holding characters that cannot be stored. Only own properties count, so `__proto__` tricks read as absent.
 */
export function stringField(record: Record<string, unknown>, name: string): Field {
  if (!Object.hasOwn(record, name)) return undefined;
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > MAX_FIELD_LENGTH || UNSTORABLE.test(value)) return INVALID;
  return value;
}

export type ReadFields<K extends string> = {
  /** Present, non-empty strings. */
  values: Partial<Record<K, string>>;
  /** Absent, null or empty. */
  missing: K[];
  /** Present but not a string (array, object, number...) or over-long. */
  invalid: K[];
};

/** Reads several string fields at once, sorting each into present, missing or invalid. */
export function readFields<K extends string>(record: Record<string, unknown>, names: readonly K[]): ReadFields<K> {
  const result: ReadFields<K> = { values: {}, missing: [], invalid: [] };
  for (const name of names) {
    const value = stringField(record, name);
    if (value === INVALID) result.invalid.push(name);
    else if (!value) result.missing.push(name);
    else result.values[name] = value;
  }
  return result;
}

/** Query parameters and body merged into one prototype-less record (body wins). */
export function mergedInput(query: unknown, body: unknown): Record<string, unknown> | null {
  const fromBody = asRecord(body);
  if (!fromBody) return null;
  return Object.assign(Object.create(null) as Record<string, unknown>, asRecord(query) ?? {}, fromBody);
}

/** What is wrong with a request's fields; `null` when the input is not an object at all. */
export type FieldProblem<K extends string> = { missing: K[]; invalid: K[] } | null;

/**
 * The named fields as present, non-empty strings, or the error `refuse` makes of what is wrong:
 * every front door reads its fields this way and words the refusal in its own format.
 */
export function requireFields<K extends string>(
  input: Record<string, unknown> | null,
  names: readonly K[],
  refuse: (problem: FieldProblem<K>) => Error,
): Record<K, string> {
  if (!input) throw refuse(null);
  const { values, missing, invalid } = readFields(input, names);
  if (missing.length + invalid.length > 0) throw refuse({ missing, invalid });
  return values as Record<K, string>;
}
