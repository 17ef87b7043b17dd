import type { ErrorCode, PasswordPolicy } from "../../core/index.js";
import { type Failure, failureTable, withStatus } from "../../http/failures.js";
import { ZH_TRANSPORT_MESSAGES, zhPasswordMessages } from "../../http/messages-zh.js";

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
    ...zhPasswordMessages(policy, "用户id"),
    email_taken: "该邮箱已被绑定",
    code_cooldown: "验证码依然有效",
    code_daily_cap: "验证码发送次数过多，请24小时后再试",
    mail_failed: "验证码发送失败",
    code_invalid: "验证码错误",
    code_expired: "验证码过期",
    username_taken: "用户已存在",
    username_invalid: "用户id不合法：1到64个字符，不能包含空白或控制字符",
    invalid_credentials: "用户名或密码错误",
    account_disabled: "用户名或密码错误",
  });
  return failureTable(business, ZH_TRANSPORT_MESSAGES);
}
