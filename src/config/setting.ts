/**
 * One setting: environment name, default, documentation and parser. The core's settings
 * (schema.ts) and each dialect's own are written with these, and validated together.
 */

export type Setting<T> = {
  env: string;
  default: string;
  doc: string;
  /** Returns the parsed value, or throws an Error whose message says what is wrong. */
  parse: (raw: string) => T;
};

export const integer =
  (min: number, max: number) =>
  (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`must be between ${min} and ${max}, got ${value}`);
    return value;
  };

export const oneOf =
  <T extends string>(...allowed: T[]) =>
  (raw: string): T => {
    if (!(allowed as string[]).includes(raw)) throw new Error(`must be one of ${allowed.join(", ")}, got "${raw}"`);
    return raw as T;
  };

export const text = (raw: string): string => raw;

export const url = (raw: string): string => {
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    return raw.replace(/\/+$/, "");
  } catch {
    throw new Error(`must be an http(s) URL, got "${raw}"`);
  }
};

export const boolean = (raw: string): boolean => {
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0" || raw === "") return false;
  throw new Error(`must be true or false, got "${raw}"`);
};

export const list = (raw: string): string[] =>
  raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

export const DAY = 86_400;

/** A table of settings, by the key the code reads them with. */
export type SettingTable = Record<string, Setting<unknown>>;

/** What a table's settings parse to. */
export type SettingValues<T extends SettingTable> = { readonly [K in keyof T]: ReturnType<T[K]["parse"]> };

/** A duration in whole seconds, from 1 up to `maxSeconds` (a year unless said otherwise). */
export const seconds = (env: string, defaultSeconds: number, doc: string, maxSeconds = 365 * DAY): Setting<number> => ({
  env,
  default: String(defaultSeconds),
  doc,
  parse: integer(1, maxSeconds),
});
