import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { failureTable } from "../../http/failures.js";

/** Laravel's 422 answer: a bare field → messages map, outside the envelope. */
export class ValidationFailed extends Error {
  constructor(readonly fields: Record<string, string[]>) {
    super("validation failed");
  }
}

export type Field = "uid" | "email" | "password";

export const required = (field: Field) => `The ${field} field is required.`;
export const mustBeString = (field: Field) => `The ${field} must be a string.`;

/** Core refusals that Laravel would have reported as a validation message on one field. */
export function validationMessage(code: ErrorCode, policy: PasswordPolicy): [Field, string] | null {
  const messages: Partial<Record<ErrorCode, [Field, string]>> = {
    username_taken: ["uid", "The uid has already been taken."],
    username_invalid: ["uid", "The uid format is invalid."],
    email_taken: ["email", "The email has already been taken."],
    email_invalid: ["email", "The email must be a valid email address."],
    password_too_short: ["password", `The password must be at least ${policy.minLength} characters.`],
    password_too_long: ["password", `The password may not be greater than ${policy.maxLength} characters.`],
    password_too_common: ["password", "The password is too common or contains the uid."],
    password_invalid: ["password", "The password format is invalid."],
  };
  return messages[code] ?? null;
}

/** Status and envelope message for everything that is not a validation failure. */
export const failureFor = failureTable(
  {
    invalid_credentials: { status: 404, message: "Not found" },
    account_disabled: { status: 404, message: "Not found" },
    unauthorized: { status: 401, message: "Unauthorized" },
    invalid_grant: { status: 401, message: "Unauthorized" },
    invalid_request: { status: 400, message: "Bad Request" },
  },
  {
    malformed_body: "Bad Request",
    request_too_large: "Payload Too Large",
    unsupported_media_type: "Unsupported Media Type",
    not_found: "Not Found",
    method_not_allowed: "Method Not Allowed",
    rate_limited: "Too Many Attempts.",
    service_unavailable: "Service Unavailable",
    server_error: "Server Error",
  },
);
