import { randomUUID } from "node:crypto";
import type { TransactionContext } from "../context.js";
import type { WebhookEventData, WebhookEventType } from "./catalogue.js";
import { DEFAULT_RETRY_BASE_MS } from "./schedule.js";
import type { SecretBox } from "./secret-box.js";

export type WebhookSettings = {
  /** Whether endpoints may be on private, loopback or link-local addresses (`WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** How long one delivery attempt may take (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** The first retry's delay before jitter (`WEBHOOK_RETRY_BASE_MS`). */
  retryBaseMs: number;
  /** How long delivered and given-up deliveries are kept (`WEBHOOK_RETENTION_DAYS`). */
  retentionDays: number;
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  timeoutMs: 10_000,
  retryBaseMs: DEFAULT_RETRY_BASE_MS,
  retentionDays: 7,
};

export type WebhookContext = {
  settings: WebhookSettings;
  box: SecretBox;
  /** Tells this process's dispatcher that deliveries were committed (a no-op without one). */
  wake: () => void;
};

/** The body of every delivery of an event; its `webhook-id` is `messageId`. */
export type WebhookPayload<T extends WebhookEventType = WebhookEventType> = {
  type: T;
  timestamp: string;
  data: WebhookEventData[T];
};

/**
 * Writes the event to the outbox in the caller's transaction, so that it exists if and only
 * if the change it reports commits: one delivery per subscribed endpoint, none (and no other
 * cost than one indexed statement) when no endpoint is subscribed. The dispatcher is woken once
 * the transaction has committed.
 */
export async function emit<T extends WebhookEventType>(
  tx: TransactionContext,
  type: T,
  data: WebhookEventData[T],
): Promise<void> {
  const at = tx.now();
  const payload: WebhookPayload<T> = { type, timestamp: new Date(at).toISOString(), data };
  const messageId = `msg_${randomUUID().replaceAll("-", "")}`;
  const queued = await tx.store.webhooks.enqueue({ messageId, type, payload: JSON.stringify(payload), at });
  if (queued > 0) tx.afterCommit(tx.webhooks.wake);
}
