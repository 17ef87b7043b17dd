import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { type Failure, failureTable, withStatus } from "../../http/failures.js";

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
export function createFailures(policy: PasswordPolicy): (code: ErrorCode) => Failure {
  const business = withStatus(401, {
    invalid_credentials: INVALID_CREDENTIALS,
    account_disabled: INVALID_CREDENTIALS,
    unauthorized: INVALID_TOKEN,
    username_taken: "fail, username has exists",
    username_invalid: "invalid username: 1 to 64 characters, no spaces or control characters",
    password_too_short: `password must be at least ${policy.minLength} characters`,
    password_too_long: `password must be at most ${policy.maxLength} characters`,
    password_too_common: "password is too common or contains the username",
    password_invalid: "password contains characters that cannot be stored",
  });
  return failureTable(
    { ...business, invalid_request: { status: 400, message: "fields must be strings" } },
    {
      malformed_body: "the body is not valid JSON",
      request_too_large: "the body is too large",
      unsupported_media_type: "send a JSON body",
      not_found: "not found",
      method_not_allowed: "method not allowed",
      rate_limited: "too many requests, retry later",
      service_unavailable: "service unavailable, retry later",
      server_error: "internal error",
    },
  );
}
