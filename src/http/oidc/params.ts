import type { AuthorizationParams } from "../../core/index.js";

const MAX_QUERY_LENGTH = 8192;

/**
 * An authorization request's parameters from its query string. RFC 6749 §3.1: a parameter
 * without a value counts as absent, and none may be repeated (those are listed in `repeated`).
 */
export function parseParams(query: string): AuthorizationParams {
  const values: Record<string, string> = Object.create(null);
  const repeated = new Set<string>();
  for (const [name, value] of new URLSearchParams(query.slice(0, MAX_QUERY_LENGTH))) {
    if (value === "") continue;
    if (Object.hasOwn(values, name)) repeated.add(name);
    else values[name] = value;
  }
  return { values, repeated: [...repeated] };
}

/** The query string of the request's URL, without the `?`. */
export const queryOf = (url: string): string => {
  const mark = url.indexOf("?");
  return mark < 0 ? "" : url.slice(mark + 1);
};

/** The parameters written back as a query string, for our forms to carry. */
export const queryString = (values: Readonly<Record<string, string>>): string => new URLSearchParams(values).toString();
