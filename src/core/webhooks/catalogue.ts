/**
 * The webhook event catalogue (docs/events.md): every type and the data it carries. Data are
 * ids and facts, never a password, token, code or hash.
 */

export const WEBHOOK_EVENTS = [
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "user.password_changed",
  "user.locked",
  "session.created",
  "session.revoked",
  "login.failed",
  "refresh_token.reuse_detected",
  "client.created",
  "client.deleted",
  "signing_key.rotated",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (name: string): name is WebhookEventType => (WEBHOOK_EVENTS as readonly string[]).includes(name);

/** Who made a change: the account's own user, an administrator (`user:<id>`, `client:<id>`) or the command line. */
export type Changer = { by: string };

export type WebhookEventData = {
  "user.created": { userId: string; username: string; email: string | null; status: string } & Changer;
  "user.updated": { userId: string; fields: string[] } & Changer;
  "user.disabled": { userId: string } & Changer;
  "user.enabled": { userId: string } & Changer;
  "user.deleted": { userId: string } & Changer;
  /** `reason`: `changed` by its owner, `set` by an administrator, `reset` with a mailed code. */
  "user.password_changed": { userId: string; reason: "changed" | "set" | "reset" } & Changer;
  "user.locked": { userId: string; lockedForMs: number };
  "session.created": { sessionId: string; userId: string | null; clientId: string | null };
  /** `sessionId` null: every session of the user at once (`count` of them). */
  "session.revoked": { sessionId: string | null; userId: string | null; clientId: string | null; reason: string; count: number };
  "login.failed": { userId: string | null; clientId: string | null; reason: "invalid_credentials" | "locked" | "disabled" };
  "refresh_token.reuse_detected": { sessionId: string; userId: string | null; clientId: string | null };
  "client.created": { clientId: string; public: boolean; grants: string[] } & Changer;
  "client.deleted": { clientId: string; sessionsRevoked: number } & Changer;
  "signing_key.rotated": { kid: string; alg: string } & Changer;
};

/** `by` of a change made on the command line (no admin token behind it). */
export const BY_CLI = "cli";
/** `by` of a change the account's own user made. */
export const BY_SELF = "self";
