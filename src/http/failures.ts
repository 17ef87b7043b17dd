import type { ErrorCode } from "../core/index.js";
import { STATUS } from "./problems.js";

/**
 * Failures of the transport rather than of a use case: a body that cannot be read, a method or
 * path that does not exist, a client over its rate limit, a database that cannot serve. Every
 * front door answers them with the same HTTP status, in its own words and shape.
 */
export const TRANSPORT_CODES = [
  "malformed_body",
  "request_too_large",
  "unsupported_media_type",
  "not_found",
  "method_not_allowed",
  "rate_limited",
  "service_unavailable",
  "server_error",
] as const satisfies readonly ErrorCode[];

export type TransportCode = (typeof TRANSPORT_CODES)[number];

export type Failure = { status: number; message: string };

/**
 * A dialect's error table: its own answers for the codes it knows (`business`), then the shared
 * transport statuses with its messages; any other code is its `server_error`.
 */
export function failureTable(
  business: Partial<Record<ErrorCode, Failure>>,
  transport: Record<TransportCode, string>,
): (code: ErrorCode) => Failure {
  return (code) => {
    const known = business[code];
    if (known) return known;
    const wire: TransportCode = code in transport ? (code as TransportCode) : "server_error";
    return { status: STATUS[wire], message: transport[wire] };
  };
}

/** The same `status` for every business message (the shape many legacy APIs used). */
export function withStatus(status: number, messages: Partial<Record<ErrorCode, string>>): Partial<Record<ErrorCode, Failure>> {
  return Object.fromEntries(Object.entries(messages).map(([code, message]) => [code, { status, message }]));
}
