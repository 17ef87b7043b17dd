import { AuthError } from "../../core/index.js";
import { asRecord, INVALID, stringField } from "../fields.js";

/**
 * Reading the admin API's JSON bodies and query strings: members of the wrong type, unknown
 * members and repeated query parameters are `invalid_request`, naming the member.
 */

const refuse = (message: string) => new AuthError("invalid_request", message);

/** The body as an object holding only `allowed` members. */
export function jsonObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  const record = asRecord(body);
  if (!record) throw refuse("the body must be a JSON object");
  const unknown = Object.keys(record).find((name) => !allowed.includes(name));
  if (unknown !== undefined)
    throw refuse(`unknown member ${JSON.stringify(unknown.slice(0, 64))}; allowed: ${allowed.join(", ")}`);
  return record;
}

export const has = (record: Record<string, unknown>, name: string): boolean => Object.hasOwn(record, name);

/** A string member, `undefined` when absent; `null` only where `nullable`. */
export function text(
  record: Record<string, unknown>,
  name: string,
  options: { nullable?: boolean } = {},
): string | null | undefined {
  if (!has(record, name)) return undefined;
  if (record[name] === null) {
    if (options.nullable) return null;
    throw refuse(`${name} must be a string`);
  }
  const value = stringField(record, name);
  if (value === INVALID || value === undefined) throw refuse(`${name} must be a string`);
  return value;
}

export function requiredText(record: Record<string, unknown>, name: string): string {
  const value = text(record, name);
  if (!value) throw refuse(`${name} is required`);
  return value;
}

export function bool(record: Record<string, unknown>, name: string): boolean | undefined {
  if (!has(record, name)) return undefined;
  if (typeof record[name] !== "boolean") throw refuse(`${name} must be true or false`);
  return record[name];
}

export function textList(record: Record<string, unknown>, name: string): string[] | undefined {
  if (!has(record, name)) return undefined;
  const value = record[name];
  if (!Array.isArray(value) || value.length > 100 || value.some((item) => typeof item !== "string" || item.length > 2000)) {
    throw refuse(`${name} must be an array of at most 100 strings`);
  }
  return value as string[];
}

export function oneOf<T extends string>(value: string | null | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = allowed.find((candidate) => candidate === value);
  if (!found) throw refuse(`${name} must be one of ${allowed.join(", ")}`);
  return found;
}

/** One query parameter; empty counts as absent. */
export function queryText(query: unknown, name: string): string | null {
  const record = asRecord(query) ?? {};
  const value = stringField(record, name);
  if (value === INVALID) throw refuse(`${name} must be given once`);
  return value ? value : null;
}

export function queryLimit(query: unknown): number {
  const raw = queryText(query, "limit");
  if (raw === null) return 50;
  if (!/^\d{1,4}$/.test(raw)) throw refuse("limit must be an integer from 1 to 200");
  return Number(raw);
}

/** A time in a query: ISO 8601 or epoch milliseconds. */
export function queryTime(query: unknown, name: string): number | null {
  const raw = queryText(query, name);
  if (raw === null) return null;
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw refuse(`${name} must be an ISO 8601 time or epoch milliseconds`);
  return ms;
}
