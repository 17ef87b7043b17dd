import type { MailMessage } from "../ports.js";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] as string);

/** The verification mail: plain text and HTML, in Chinese, with the code and its validity. */
export function verificationMail(to: string, code: string, ttlSeconds: number, serviceName: string): MailMessage {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  const name = escapeHtml(serviceName);
  return {
    to,
    subject: `【${serviceName}】邮箱验证码`,
    text: [
      "您好！",
      "",
      `您的邮箱验证码是：${code}`,
      `验证码 ${minutes} 分钟内有效，且只能使用一次。`,
      "如果这不是您本人的操作，请忽略本邮件。",
      "",
      serviceName,
    ].join("\n"),
    html: [
      "<p>您好！</p>",
      `<p>您的邮箱验证码是：<strong style="font-size:20px;letter-spacing:4px">${code}</strong></p>`,
      `<p>验证码 ${minutes} 分钟内有效，且只能使用一次。</p>`,
      "<p>如果这不是您本人的操作，请忽略本邮件。</p>",
      `<p>${name}</p>`,
    ].join("\n"),
  };
}

/**
 * The password reset mail, in Chinese and in English (the account has no language of its own):
 * the code and its validity.
 */
export function passwordResetMail(to: string, code: string, ttlSeconds: number, serviceName: string): MailMessage {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  const name = escapeHtml(serviceName);
  return {
    to,
    subject: `【${serviceName}】重置密码 / Password reset`,
    text: [
      "您好！",
      `您的重置密码验证码是：${code}`,
      `验证码 ${minutes} 分钟内有效，且只能使用一次。`,
      "如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。",
      "",
      "Hello,",
      `your password reset code is: ${code}`,
      `It is valid for ${minutes} minutes and can be used once.`,
      "If you did not ask for this, ignore this mail; your password stays unchanged.",
      "",
      serviceName,
    ].join("\n"),
    html: [
      "<p>您好！</p>",
      `<p>您的重置密码验证码是：<strong style="font-size:20px;letter-spacing:4px">${code}</strong></p>`,
      `<p>验证码 ${minutes} 分钟内有效，且只能使用一次。</p>`,
      "<p>如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。</p>",
      "<hr>",
      "<p>Hello,</p>",
      `<p>your password reset code is: <strong style="font-size:20px;letter-spacing:4px">${code}</strong></p>`,
      `<p>It is valid for ${minutes} minutes and can be used once.</p>`,
      "<p>If you did not ask for this, ignore this mail; your password stays unchanged.</p>",
      `<p>${name}</p>`,
    ].join("\n"),
  };
}
