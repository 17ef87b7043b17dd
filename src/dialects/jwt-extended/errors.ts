import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { type Failure, failureTable, withStatus } from "../../http/failures.js";

/** A token problem: answered outside the envelope as `{"msg": ...}`, as flask-jwt-extended does. */
export class TokenHeaderError extends Error {
  constructor(
    readonly status: 401 | 422,
    readonly msg: string,
  ) {
    super(msg);
  }
}

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
    username_required: "用户名密码不能为空",
    username_taken: "用户名已存在",
    email_taken: "邮箱已经存在",
    invalid_credentials: "登录失败",
    account_disabled: "账号被禁用",
    username_invalid: "用户名须为1到64个字符，且不能包含空白或控制字符",
    email_invalid: "邮箱格式不正确",
    password_too_short: `密码长度不能少于${policy.minLength}个字符`,
    password_too_long: `密码长度不能超过${policy.maxLength}个字符`,
    password_too_common: "密码过于常见或包含用户名，请换一个",
    password_invalid: "密码包含无法保存的字符",
    invalid_request: "参数格式错误",
  });
  return failureTable(business, {
    malformed_body: "请求体格式错误",
    request_too_large: "请求体过大",
    unsupported_media_type: "不支持的请求格式，请使用 JSON 或表单",
    not_found: "接口不存在",
    method_not_allowed: "请求方法不被允许",
    rate_limited: "请求过于频繁，请稍后重试",
    service_unavailable: "服务暂时不可用，请稍后重试",
    server_error: "服务器内部错误",
  });
}
