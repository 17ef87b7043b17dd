import type { FastifyBaseLogger } from "fastify";
import { type ErrorCode, isAuthError } from "../core/errors.js";

/**
 * Turns anything thrown while serving a request into one catalogue code. Framework errors
 * (body limits, media types, malformed bodies) map to their codes; database unavailability
 * to `service_unavailable`; everything unexpected to `server_error`, logged with its detail.
 */
export function toErrorCode(error: unknown, log: FastifyBaseLogger): { code: ErrorCode; detail?: string } {
  if (isAuthError(error)) return { code: error.code, ...(error.detail ? { detail: error.detail } : {}) };
  const { code = "", statusCode } = error as { code?: string; statusCode?: number };
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE" || statusCode === 413) return { code: "request_too_large" };
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || statusCode === 415) return { code: "unsupported_media_type" };
  if (code === "GATEHOUSE_METHOD_NOT_ALLOWED" || statusCode === 405) return { code: "method_not_allowed" };
  if (code === "GATEHOUSE_MALFORMED_BODY" || code.startsWith("FST_ERR_CTP_")) return { code: "malformed_body" };
  if (statusCode === 429) return { code: "rate_limited" };
  if (isDatabaseUnavailable(error)) {
    log.warn({ code, message: (error as Error).message }, "database unavailable");
    return { code: "service_unavailable" };
  }
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) return { code: "invalid_request" };
  log.error({ err: error }, "unexpected error");
  return { code: "server_error" };
}

const SQLITE_UNAVAILABLE = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN"]);
const NETWORK_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

/**
 * A database that cannot serve right now (down, restarting, overloaded, timed out) — as
 * opposed to a bug. PostgreSQL classes 08 (connection), 53 (resources), 57 (operator
 * intervention, statement timeout) and 40 (serialization, deadlock) qualify.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  const { code = "", message = "" } = error as { code?: string; message?: string };
  if (SQLITE_UNAVAILABLE.has(code) || NETWORK_ERRORS.has(code)) return true;
  if (/^(08|53|57|40)[0-9A-Z]{3}$/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

/** HTTP status for each code on the native and OAuth routes (dialects keep their own tables). */
export const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_credentials: 401,
  account_disabled: 401,
  username_taken: 409,
  username_invalid: 400,
  email_taken: 409,
  email_invalid: 400,
  password_too_short: 400,
  password_too_long: 400,
  password_too_common: 400,
  password_invalid: 400,
  code_invalid: 400,
  code_expired: 400,
  code_cooldown: 429,
  code_daily_cap: 429,
  mail_failed: 502,
  user_not_found: 404,
  role_not_found: 404,
  permission_not_found: 404,
  already_exists: 409,
  client_secret_weak: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  conflict: 409,
  not_found: 404,
  method_not_allowed: 405,
  malformed_body: 400,
  request_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  service_unavailable: 503,
  server_error: 500,
};
