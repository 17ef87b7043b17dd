/** One outgoing message; the core builds it, a sender delivers it. */
export type MailMessage = { to: string; subject: string; text: string; html: string };

export type MailSender = {
  /** Resolves once the message was accepted for delivery; rejects if it was not. */
  send(message: MailMessage): Promise<void>;
  close(): void;
};
