import type { PasswordPolicy } from "../core/index.js";
import type { TransportCode } from "./failures.js";

/**
 * The words the Chinese-speaking front doors share: one wording for a failure that means the
 * same in each of them, so that their answers read alike.
 */
export const ZH_TRANSPORT_MESSAGES: Record<TransportCode, string> = {
  malformed_body: "请求体格式错误",
  request_too_large: "请求体过大",
  unsupported_media_type: "不支持的请求格式，请使用 JSON 或表单",
  not_found: "接口不存在",
  method_not_allowed: "请求方法不被允许",
  rate_limited: "请求过于频繁，请稍后重试",
  service_unavailable: "服务暂时不可用，请稍后重试",
  server_error: "服务器内部错误",
};

/**
 * The password-policy refusals, in the words of the policy in force; `loginName` is what the
 * front door calls the login name (a password may not contain it).
 */
export const zhPasswordMessages = (policy: PasswordPolicy, loginName: string) => ({
  password_too_common: `密码过于常见或包含${loginName}，请换一个`,
  password_too_short: `密码长度不能少于${policy.minLength}个字符`,
  password_too_long: `密码长度不能超过${policy.maxLength}个字符`,
  password_invalid: "密码包含无法保存的字符",
  email_invalid: "邮箱格式不正确",
  invalid_request: "参数格式错误",
});
