import type { MailSender } from "../core/ports.js";

type Logger = { warn(fields: Record<string, unknown>, message: string): void };

/**
 * Used when no `SMTP_URL` is configured, so that a newcomer can still register on a laptop:
 * the whole message, code included, goes to the log. Never use it in production.
 */
export function createLogSender(log: Logger): MailSender {
  return {
    async send(message) {
      log.warn(
        { mailTo: message.to, subject: message.subject, body: message.text },
        "SMTP_URL is not set: mail written to the log",
      );
    },
    close: () => {},
  };
}
