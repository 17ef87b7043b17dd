/** What webhooks need of the store and of the network. Times are epoch milliseconds. */

export type WebhookEndpointRecord = {
  id: string;
  url: string;
  description: string | null;
  /** The signing secret sealed with the server key (`SecretBox`). */
  secretBox: string;
  /** The event types it is subscribed to, sorted. */
  events: string[];
  createdAt: number;
  consecutiveFailures: number;
  /** Since when its deliveries keep failing (after `FAILING_AFTER` in a row); `null` while healthy. */
  failingSince: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
};

export type NewWebhookEndpoint = Pick<WebhookEndpointRecord, "id" | "url" | "description" | "secretBox" | "events" | "createdAt">;

/** One event for the outbox: a delivery is written for every endpoint subscribed to its type. */
export type OutboxEvent = { messageId: string; type: string; payload: string; at: number };

/** A delivery claimed by one dispatcher until its lease runs out. */
export type ClaimedDelivery = {
  id: number;
  messageId: string;
  endpointId: string;
  eventType: string;
  payload: string;
  createdAt: number;
  /** Counting this one. */
  attempts: number;
  recentAttempts: string;
  url: string;
  secretBox: string;
};

/** The outcome of one attempt as it is recorded; `nextAttemptAt` null with `delivered` false: given up. */
export type AttemptRecord = {
  at: number;
  delivered: boolean;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  /** JSON: the last few attempts, newest first. */
  recentAttempts: string;
  /** Consecutive failures from which the endpoint counts as failing. */
  failingAfter: number;
};

export type DeliveryStatus = "pending" | "delivered" | "failed";

export type DeliveryRecord = {
  id: number;
  messageId: string;
  endpointId: string;
  eventType: string;
  createdAt: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: number | null;
};

export interface WebhookRepository {
  /** The endpoint and its subscriptions: several statements, so call it inside a transaction. */
  insertEndpoint(endpoint: NewWebhookEndpoint): Promise<void>;
  listEndpoints(): Promise<WebhookEndpointRecord[]>;
  findEndpoint(id: string): Promise<WebhookEndpointRecord | null>;
  /** Deletes it with its subscriptions and deliveries (by cascade); false if unknown. */
  deleteEndpoint(id: string): Promise<boolean>;
  setEndpointSecret(id: string, secretBox: string): Promise<boolean>;
  /**
   * Writes one pending delivery of the event for each endpoint subscribed to its type, in one
   * statement (nothing at all when none is); how many.
   */
  enqueue(event: OutboxEvent): Promise<number>;
  /** Whether a delivery is due and unclaimed, read without writing (the idle poll). */
  hasDue(now: number): Promise<boolean>;
  /**
   * Claims at most `limit` due, unclaimed deliveries for `claimant` until `now + leaseMs`,
   * counting an attempt on each; no two claimants get the same delivery while its lease runs.
   */
  claim(now: number, leaseMs: number, claimant: string, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Records an attempt on the delivery and on its endpoint's health, only if `claimant` still
   * holds its lease (two statements: call it inside a transaction); false otherwise.
   */
  recordAttempt(deliveryId: number, claimant: string, attempt: AttemptRecord): Promise<boolean>;
  /** Deliveries not yet delivered nor given up: the outbox depth. */
  outboxDepth(): Promise<number>;
  /** Makes the deliveries of events since `since` (of one endpoint, or all) pending again, due at `now`; how many. */
  requeueSince(since: number, endpointId: string | null, now: number): Promise<number>;
  /** The newest deliveries, of one endpoint or all, at most `limit`. */
  recentDeliveries(endpointId: string | null, limit: number): Promise<DeliveryRecord[]>;
}

/** The answer to one delivery attempt (a 2xx delivers it). */
export type TransportAnswer = { status: number };

/** Sends one signed request: resolves with the answer's status, rejects on a network error or timeout. */
export interface WebhookTransport {
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<TransportAnswer>;
}
