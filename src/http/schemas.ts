import type { RouteShorthandOptions } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../core/errors.js";
import { STATUS } from "./problems.js";

/**
 * The building blocks of route schemas (docs/openapi.md). A route's schema documents it in
 * `/openapi.json`; it neither validates the request (each handler does, in its own wire format)
 * nor shapes the answer (every reply is serialized with `JSON.stringify`, see openapi.ts).
 */
export type JsonSchema = Record<string, unknown>;

/** A route's `schema`, with the keys `@fastify/swagger` reads besides Fastify's own. */
export type RouteSchema = NonNullable<RouteShorthandOptions["schema"]>;

/** Documented answers by HTTP status. */
export type Responses = Record<number, JsonSchema>;

export const STRING = { type: "string" } as const;
export const INTEGER = { type: "integer" } as const;
export const BOOLEAN = { type: "boolean" } as const;
export const NULL = { type: "null" } as const;
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, NULL] });

/** An object with exactly these members, all required unless listed in `optional`. */
export function object(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    properties,
  };
}

/** A JSON answer: its description and its body's schema. */
export const json = (description: string, schema: JsonSchema): JsonSchema => ({ description, ...schema });

/** An answer with no body (204, a revocation's empty 200), with the headers it carries. */
export const empty = (description: string, headers: Record<string, JsonSchema> = {}): JsonSchema => ({
  description,
  type: "null",
  ...(Object.keys(headers).length > 0 ? { headers } : {}),
});

/** An answer that carries these headers too. */
export const withHeaders = (answer: JsonSchema, headers: Record<string, JsonSchema>): JsonSchema => ({ ...answer, headers });

/** A redirect: no body, the next address in `Location`. */
export const redirect = (description: string): JsonSchema =>
  empty(description, { location: { type: "string", description: "where the browser goes next" } });

/** An answer that is not JSON: an HTML page, a stylesheet, a script. */
export const media = (description: string, type: string, schema: JsonSchema = STRING): JsonSchema => ({
  description,
  content: { [type]: { schema } },
});

/** The same answer for several statuses. */
export const forStatuses = (statuses: readonly number[], answer: (status: number) => JsonSchema): Responses =>
  Object.fromEntries(statuses.map((status) => [status, answer(status)]));

/**
 * Statuses any front door may answer for reasons of transport rather than of the route (see
 * src/http/failures.ts): a body that cannot be read (400), is too large (413) or of another
 * type (415); the rate limit (429); an unexpected error (500); the database or the password
 * hashing at capacity (503). `body: false` for a route that reads no body.
 */
export const transportStatuses = ({ body }: { body: boolean }): number[] =>
  body ? [400, 413, 415, 429, 500, 503] : [429, 500, 503];

/** The catalogue codes the native and OAuth routes answer with this status (docs/errors.md). */
export function nativeCodes(status: number): ErrorCode[] {
  // RFC 6749 §5.2 names a malformed body `invalid_request`; the OAuth renderer says so.
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => code !== "malformed_body");
  return codes.filter((code) => STATUS[code] === status);
}

/** The native error body of docs/errors.md: `{"error": "<code>", "error_description": "..."}`. */
export function nativeError(status: number): JsonSchema {
  const codes = nativeCodes(status);
  if (codes.length === 0) throw new Error(`no catalogue code answers ${status} (docs/errors.md)`);
  return json(`error: ${codes.map((code) => `\`${code}\``).join(", ")} (docs/errors.md)`, {
    ...object({ error: { type: "string", enum: codes }, error_description: STRING }, ["error_description"]),
  });
}

/** The native error body for each of these statuses. */
export const nativeErrors = (statuses: readonly number[]): Responses => forStatuses(statuses, nativeError);

/** The request parameters of a body: JSON or form-urlencoded, as every front door but the RFC endpoints takes. */
export const BODY_TYPES = ["application/json", "application/x-www-form-urlencoded"];
/** The RFC endpoints' body: form-urlencoded only (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1). */
export const FORM_ONLY = ["application/x-www-form-urlencoded"];

/** Named string parameters, all documented as strings; `required` lists those the route needs. */
export function stringFields(names: readonly string[], required: readonly string[] = names): JsonSchema {
  return {
    type: "object",
    required: [...required],
    properties: Object.fromEntries(names.map((name) => [name, STRING])),
  };
}
