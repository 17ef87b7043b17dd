import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { type Failure, failureTable, withStatus } from "../../http/failures.js";
import { ZH_TRANSPORT_MESSAGES, zhPasswordMessages } from "../../http/messages-zh.js";

/** A token problem: answered outside the envelope as `{"msg": ...}`, as flask-jwt-extended does. */
export class TokenHeaderError extends Error {
  constructor(
    readonly status: 401 | 422,
    readonly msg: string,
  ) {
    super(msg);
  }
}

/** A refusal in the envelope with this dialect's own message (HTTP 200, `code: 1`). */
export class EnvelopeRefusal extends Error {}

/** The original's answer to a missing or empty username or password. */
export const CREDENTIALS_REQUIRED = "用户名密码不能为空";

export const TOKEN_MESSAGES = {
  missingHeader: "Missing Authorization Header",
  missingBearer: "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
  badHeader: "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'",
  notEnoughSegments: "Not enough segments",
  invalidHeader: "Invalid header string",
  badSignature: "Signature verification failed",
  invalidClaims: "Invalid token claims",
  expired: "Token has expired",
  revoked: "Token has been revoked",
  onlyRefresh: "Only refresh tokens are allowed",
  onlyAccess: "Only non-refresh tokens are allowed",
} as const;

/**
 * ErrorCode → HTTP status and envelope message. Business outcomes are HTTP 200 with `code: 1`;
 * a request that cannot be read at all keeps its HTTP status (400, 413, 415, 503, 500).
 */
export function createFailures(policy: PasswordPolicy): (code: ErrorCode) => Failure {
  const business = withStatus(200, {
    username_taken: "用户名已存在",
    email_taken: "邮箱已经存在",
    invalid_credentials: "登录失败",
    account_disabled: "账号被禁用",
    username_invalid: "用户名须为1到64个字符，且不能包含空白或控制字符",
    ...zhPasswordMessages(policy, "用户名"),
  });
  return failureTable(business, ZH_TRANSPORT_MESSAGES);
}
