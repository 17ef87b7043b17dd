import type { ErrorCode } from "../../core/errors.js";
import type { PasswordPolicy } from "../../core/passwords/policy.js";

export const INVALID_CREDENTIALS = "Invalid username or password";
export const INVALID_TOKEN = "Invalid token";

/** A failure with this dialect's fixed message, bypassing the code table. */
export class TerminalFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** ErrorCode → status and `message`. Every business failure is 401, as in the original. */
export function failureFor(code: ErrorCode, policy: PasswordPolicy): { status: number; message: string } {
  const table: Partial<Record<ErrorCode, { status: number; message: string }>> = {
    invalid_credentials: { status: 401, message: INVALID_CREDENTIALS },
    account_disabled: { status: 401, message: INVALID_CREDENTIALS },
    unauthorized: { status: 401, message: INVALID_TOKEN },
    username_taken: { status: 401, message: "fail, username has exists" },
    username_invalid: { status: 401, message: "invalid username: 1 to 64 characters, no spaces or control characters" },
    password_too_short: { status: 401, message: `password must be at least ${policy.minLength} characters` },
    password_too_long: { status: 401, message: `password must be at most ${policy.maxLength} characters` },
    password_too_common: { status: 401, message: "password is too common or contains the username" },
    password_invalid: { status: 401, message: "password contains characters that cannot be stored" },
    invalid_request: { status: 400, message: "fields must be strings" },
    malformed_body: { status: 400, message: "the body is not valid JSON" },
    request_too_large: { status: 413, message: "the body is too large" },
    unsupported_media_type: { status: 415, message: "send a JSON body" },
    not_found: { status: 404, message: "not found" },
    method_not_allowed: { status: 405, message: "method not allowed" },
    rate_limited: { status: 429, message: "too many requests, retry later" },
    service_unavailable: { status: 503, message: "service unavailable, retry later" },
  };
  return table[code] ?? { status: 500, message: "internal error" };
}
