import nodemailer from "nodemailer";
import type { MailSender } from "../core/ports.js";

/**
 * Sends through the SMTP server named by `smtpUrl` (`smtp://user:pass@host:587`, `smtps://...`).
 * Timeouts are short so that a dead mail server turns into a prompt failure, not a hung request.
 */
export function createSmtpSender(smtpUrl: string, from: string): MailSender {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    secure: url.protocol === "smtps:",
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
    // A local test or relay server on loopback may offer STARTTLS with a self-signed certificate.
    tls: url.searchParams.get("tls") === "insecure" ? { rejectUnauthorized: false } : undefined,
  });
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}
