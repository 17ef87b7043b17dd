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
