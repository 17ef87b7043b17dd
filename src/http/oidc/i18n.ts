/** The hosted pages' languages: English and Simplified Chinese. */
export type Locale = "en" | "zh-CN";

const EN = {
  signInTitle: "Sign in",
  signInLead: "Sign in to continue to {client}.",
  identifier: "Username or email",
  password: "Password",
  signInButton: "Sign in",
  noAccount: "No account yet?",
  signUpLink: "Create one",
  signUpTitle: "Create your account",
  signUpLead: "Create an account to continue to {client}.",
  username: "Username",
  email: "Email (optional)",
  signUpButton: "Create account",
  haveAccount: "Already have an account?",
  signInLink: "Sign in",
  consentTitle: "Allow {client}?",
  consentLead: "{client} is asking to:",
  signedInAs: "Signed in as {user}",
  allow: "Allow",
  deny: "Deny",
  scopeOpenid: "Confirm that it is you",
  scopeProfile: "See your name and username",
  scopeEmail: "See your email address",
  scopeOfflineAccess: "Keep access while you are away",
  scopeOther: "Use the permission “{scope}”",
  signedOutTitle: "You are signed out",
  signedOutLead: "You can close this window now.",
  logoutTitle: "Sign out?",
  logoutLead: "Sign out of your account on this browser?",
  logoutButton: "Sign out",
  errorTitle: "This request cannot be completed",
  errorLead: "The application that sent you here made a request we cannot follow:",
  wrongCredentials: "Wrong username or password.",
  tooManyAttempts: "Too many attempts. Wait a moment and try again.",
  unavailable: "The service is busy. Try again in a moment.",
  formExpired: "This form has expired. Please try again.",
  username_taken: "That username is taken.",
  username_invalid: "That username cannot be used.",
  email_taken: "That email address belongs to another account.",
  email_invalid: "That email address is not valid.",
  password_too_short: "The password is too short.",
  password_too_long: "The password is too long.",
  password_too_common: "That password is too common or contains the username.",
  password_invalid: "The password contains characters that cannot be used.",
  resetTitle: "Reset your password",
  resetLead: "Enter the email address or username of your account. We will mail a code to the account's address.",
  resetSendButton: "Send a code",
  resetSentLead:
    "If an account exists for what you entered, a code was sent to its email address. Enter it below with your new password.",
  resetCodeLead: "Enter the code from the mail and your new password.",
  resetCode: "Code from the mail",
  newPassword: "New password",
  newPasswordConfirm: "New password again",
  resetConfirmButton: "Set the new password",
  resetAgainLink: "Send another code",
  resetDoneTitle: "Your password is changed",
  resetDoneLead: "Sign in with your new password. Every device that was signed in has been signed out.",
  backToSignIn: "Back to sign in",
  forgotPassword: "Forgot password?",
  code_invalid: "That code is wrong or used up. Check the latest mail, or send another code.",
  code_expired: "That code has expired. Send another code.",
  passwordsDiffer: "The two passwords are not the same.",
  fieldRequired: "Fill in this field.",
};

export type MessageKey = keyof typeof EN;

const ZH_CN: Record<MessageKey, string> = {
  signInTitle: "登录",
  signInLead: "登录以继续使用 {client}。",
  identifier: "用户名或邮箱",
  password: "密码",
  signInButton: "登录",
  noAccount: "还没有账号？",
  signUpLink: "立即注册",
  signUpTitle: "注册账号",
  signUpLead: "注册账号以继续使用 {client}。",
  username: "用户名",
  email: "邮箱（选填）",
  signUpButton: "注册",
  haveAccount: "已有账号？",
  signInLink: "登录",
  consentTitle: "允许 {client} 访问？",
  consentLead: "{client} 请求以下权限：",
  signedInAs: "当前账号：{user}",
  allow: "允许",
  deny: "拒绝",
  scopeOpenid: "确认您的身份",
  scopeProfile: "查看您的姓名和用户名",
  scopeEmail: "查看您的邮箱地址",
  scopeOfflineAccess: "在您离开时保持访问",
  scopeOther: "使用权限“{scope}”",
  signedOutTitle: "您已退出登录",
  signedOutLead: "现在可以关闭此窗口。",
  logoutTitle: "退出登录？",
  logoutLead: "要在此浏览器上退出您的账号吗？",
  logoutButton: "退出登录",
  errorTitle: "无法完成此请求",
  errorLead: "将您引导至此处的应用发出了无法处理的请求：",
  wrongCredentials: "用户名或密码错误。",
  tooManyAttempts: "尝试次数过多，请稍后再试。",
  unavailable: "服务繁忙，请稍后再试。",
  formExpired: "表单已过期，请重试。",
  username_taken: "该用户名已被注册。",
  username_invalid: "该用户名不可用。",
  email_taken: "该邮箱已被其他账号使用。",
  email_invalid: "邮箱地址无效。",
  password_too_short: "密码太短。",
  password_too_long: "密码太长。",
  password_too_common: "密码过于常见或包含用户名。",
  password_invalid: "密码包含无法使用的字符。",
  resetTitle: "重置密码",
  resetLead: "请输入账号的邮箱或用户名，我们会向该账号的邮箱发送验证码。",
  resetSendButton: "发送验证码",
  resetSentLead: "如果存在对应的账号，验证码已发送至其邮箱。请在下方输入验证码和新密码。",
  resetCodeLead: "请输入邮件中的验证码和新密码。",
  resetCode: "邮件中的验证码",
  newPassword: "新密码",
  newPasswordConfirm: "再次输入新密码",
  resetConfirmButton: "设置新密码",
  resetAgainLink: "重新发送验证码",
  resetDoneTitle: "密码已修改",
  resetDoneLead: "请使用新密码登录。所有已登录的设备均已退出登录。",
  backToSignIn: "返回登录",
  forgotPassword: "忘记密码？",
  code_invalid: "验证码错误或已使用。请查看最新的邮件，或重新发送验证码。",
  code_expired: "验证码已过期，请重新发送。",
  passwordsDiffer: "两次输入的密码不一致。",
  fieldRequired: "请填写此项。",
};

const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en: EN, "zh-CN": ZH_CN };

export type Translate = (key: MessageKey, values?: Record<string, string>) => string;

export function translator(locale: Locale): Translate {
  const catalogue = CATALOGUES[locale];
  return (key, values = {}) => catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

const localeOf = (tag: string): Locale | null => {
  const lower = tag.trim().toLowerCase();
  if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
  if (lower === "en" || lower.startsWith("en-")) return "en";
  return null;
};

/**
 * The page's language: the first supported one of `ui_locales` (OIDC Core §3.1.2.1, in order
 * of preference), then of `Accept-Language` (by weight), else English.
 */
export function chooseLocale(uiLocales: string | null, acceptLanguage: string | undefined): Locale {
  for (const tag of (uiLocales ?? "").split(" ")) {
    const locale = localeOf(tag);
    if (locale) return locale;
  }
  const weighted = (acceptLanguage ?? "")
    .split(",")
    .slice(0, 20)
    .map((part, index) => {
      const [tag = "", ...parameters] = part.split(";");
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((value) => value !== undefined);
      return { tag, weight: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of weighted) {
    const locale = localeOf(tag);
    if (locale) return locale;
  }
  return "en";
}
