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

const englishMinutes = (minutes: number) => (minutes === 1 ? "1 minute" : `${minutes} minutes`);

/**
 * The password reset mail, in Chinese and in English (the account has no language of its own):
 * the code, its validity and a link to the hosted reset page (the link carries no code).
 */
export function passwordResetMail(to: string, code: string, ttlSeconds: number, serviceName: string, link: string): MailMessage {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  const name = escapeHtml(serviceName);
  const href = escapeHtml(link);
  return {
    to,
    subject: `【${serviceName}】重置密码 / Password reset`,
    text: [
      "您好！",
      `您的重置密码验证码是：${code}`,
      `验证码 ${minutes} 分钟内有效，且只能使用一次。请在此页面输入验证码和新密码：${link}`,
      "如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。",
      "",
      "Hello,",
      `your password reset code is: ${code}`,
      `It is valid for ${englishMinutes(minutes)} and can be used once. Enter it with your new password at: ${link}`,
      "If you did not ask for this, ignore this mail; your password stays unchanged.",
      "",
      serviceName,
    ].join("\n"),
    html: [
      "<p>您好！</p>",
      `<p>您的重置密码验证码是：<strong style="font-size:20px;letter-spacing:4px">${code}</strong></p>`,
      `<p>验证码 ${minutes} 分钟内有效，且只能使用一次。请在<a href="${href}">重置密码页面</a>输入验证码和新密码。</p>`,
      "<p>如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。</p>",
      "<hr>",
      "<p>Hello,</p>",
      `<p>your password reset code is: <strong style="font-size:20px;letter-spacing:4px">${code}</strong></p>`,
      `<p>It is valid for ${englishMinutes(minutes)} and can be used once. Enter it with your new password on the <a href="${href}">password reset page</a>.</p>`,
      "<p>If you did not ask for this, ignore this mail; your password stays unchanged.</p>",
      `<p>${name}</p>`,
    ].join("\n"),
  };
}
