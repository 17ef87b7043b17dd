import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { type Failure, failureTable, withStatus } from "../../http/failures.js";

/** A refusal with this dialect's own message (HTTP 200, `code: 400`). */
export class SpringFailure extends Error {}

/** A body in Spring Security OAuth2's own error format, outside the envelope. */
export class SpringOAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export const TOKEN_NOT_RECOGNISED = new SpringOAuthError(400, "invalid_token", "Token was not recognised");
export const TOKEN_EXPIRED = new SpringOAuthError(400, "invalid_token", "Token has expired");
export const FULL_AUTHENTICATION = new SpringOAuthError(
  401,
  "unauthorized",
  "Full authentication is required to access this resource",
);

/** ErrorCode → envelope message. Business refusals are HTTP 200 with `code: 400`. */
export function createFailures(policy: PasswordPolicy): (code: ErrorCode) => Failure {
  const business = withStatus(200, {
    email_taken: "该邮箱已被绑定",
    email_invalid: "邮箱格式不正确",
    code_cooldown: "验证码依然有效",
    code_daily_cap: "验证码发送次数过多，请24小时后再试",
    mail_failed: "验证码发送失败",
    code_invalid: "验证码错误",
    code_expired: "验证码过期",
    username_taken: "用户已存在",
    username_invalid: "用户id不合法：1到64个字符，不能包含空白或控制字符",
    password_too_short: `密码长度不能少于${policy.minLength}个字符`,
    password_too_long: `密码长度不能超过${policy.maxLength}个字符`,
    password_too_common: "密码过于常见或包含用户id，请换一个",
    password_invalid: "密码包含无法保存的字符",
    invalid_credentials: "用户名或密码错误",
    account_disabled: "用户名或密码错误",
    invalid_request: "参数格式错误",
  });
  return failureTable(business, {
    malformed_body: "请求体格式错误",
    request_too_large: "请求体过大",
    unsupported_media_type: "不支持的请求格式",
    not_found: "接口不存在",
    method_not_allowed: "请求方法不被允许",
    rate_limited: "请求过于频繁，请稍后重试",
    service_unavailable: "服务暂时不可用，请稍后重试",
    server_error: "服务器内部错误",
  });
}
