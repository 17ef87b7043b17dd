import type { DeliveryRecord, WebhookView } from "../../core/index.js";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A webhook endpoint as the admin API and `webhook list --json` show it: never its secret. */
export const wireWebhook = (endpoint: WebhookView) => ({
  id: endpoint.id,
  url: endpoint.url,
  description: endpoint.description,
  events: endpoint.events,
  created_at: iso(endpoint.createdAt),
  failing: endpoint.failing,
  failing_since: iso(endpoint.failingSince),
  consecutive_failures: endpoint.consecutiveFailures,
  last_success_at: iso(endpoint.lastSuccessAt),
  last_failure_at: iso(endpoint.lastFailureAt),
});

export const wireDelivery = (delivery: DeliveryRecord) => ({
  id: delivery.id,
  message_id: delivery.messageId,
  endpoint_id: delivery.endpointId,
  type: delivery.eventType,
  created_at: iso(delivery.createdAt),
  status: delivery.status,
  attempts: delivery.attempts,
  next_attempt_at: delivery.status === "pending" ? iso(delivery.nextAttemptAt) : null,
  last_attempt_at: iso(delivery.lastAttemptAt),
  last_status: delivery.lastStatus,
  last_error: delivery.lastError,
  delivered_at: iso(delivery.deliveredAt),
});

const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since` / `since`: an ISO 8601 time, or a duration back from `now` (`90s`, `30m`, `2h`, `7d`); `null` if neither. */
export function parseSince(text: string, now: number): number | null {
  const duration = DURATION.exec(text);
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}
