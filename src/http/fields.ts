/** Reading fields off a parsed body whose shape nobody has vouched for. */

export const INVALID = Symbol("invalid");
export type Field = string | undefined | typeof INVALID;

const MAX_FIELD_LENGTH = 8192;

/** The body as a record, or `null` when it is a JSON array, string, number or the like. */
export function asRecord(body: unknown): Record<string, unknown> | null {
  if (body === undefined || body === null) return Object.create(null);
  if (typeof body !== "object" || Array.isArray(body)) return null;
  return body as Record<string, unknown>;
}

/**
 * A string field: `undefined` when absent (or JSON null), `INVALID` when of another type or
 * over-long. Only own properties count, so `__proto__` tricks read as absent.
 */
export function stringField(record: Record<string, unknown>, name: string): Field {
  if (!Object.hasOwn(record, name)) return undefined;
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > MAX_FIELD_LENGTH) return INVALID;
  return value;
}
