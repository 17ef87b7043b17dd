/**
 * The one catalogue of errors the core raises. RFC 6749 codes are verbatim; the others are
 * ours, in snake_case. Every front door maps these codes to its own wire format.
 * `docs/errors.md` lists them too, and a test keeps the two in step.
 */
export const ERROR_CODES = {
  invalid_request: "The request is missing a parameter or has a malformed one.",
  invalid_client: "Client authentication failed.",
  invalid_grant: "The credentials, refresh token or session are invalid, expired or revoked.",
  unauthorized_client: "The client may not use this grant type.",
  unsupported_grant_type: "The grant type is not supported.",
  invalid_scope: "The requested scope is unknown or exceeds what the client or grant allows.",
  invalid_credentials: "Unknown user or wrong password (the two are indistinguishable).",
  account_disabled: "The password is correct but the account is disabled.",
  username_taken: "The username is already registered.",
  username_invalid: "The username is empty, too long or contains forbidden characters.",
  email_taken: "The email address belongs to another account.",
  email_invalid: "The email address is malformed or too long.",
  password_too_short: "The password is shorter than the configured minimum.",
  password_too_long: "The password is longer than the configured maximum.",
  password_too_common: "The password is on the blocklist or contains the username.",
  password_invalid: "The password contains characters that cannot be stored (lone surrogates, NUL).",
  code_invalid: "No live verification code for that address, a wrong code, or one that died after too many tries.",
  code_expired: "The verification code has expired.",
  code_cooldown: "A code was sent to that address less than the resend cooldown ago.",
  code_daily_cap: "The address has received the most codes allowed in 24 hours.",
  mail_failed: "The mail could not be sent; nothing was stored.",
  user_not_found: "No such user (administrative commands only).",
  role_not_found: "No such role.",
  permission_not_found: "No such permission.",
  already_exists: "The role, permission or client already exists.",
  client_secret_weak: "A client secret must have at least 32 characters.",
  unauthorized: "The bearer token is missing, malformed, expired or revoked.",
  insufficient_scope: "The bearer token is valid but does not carry the permission the route needs.",
  conflict: "A concurrent change or a rule of the data refuses the write (a role deleted meanwhile, a built-in name).",
  not_found: "No such route or resource.",
  method_not_allowed: "The route exists but not for this HTTP method.",
  malformed_body: "The body is not valid JSON or form-urlencoded data.",
  request_too_large: "The request body exceeds the configured limit.",
  unsupported_media_type: "The body is neither JSON nor form-urlencoded.",
  rate_limited: "Too many requests from this client; retry after the time in Retry-After.",
  service_unavailable: "The database cannot be reached, or password hashing is at capacity; retry later.",
  server_error: "An unexpected error; details are in the server log only.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AuthError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Safe, human-readable detail (never a secret); front doors may show it. */
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "AuthError";
  }
}

export const isAuthError = (error: unknown): error is AuthError => error instanceof AuthError;
