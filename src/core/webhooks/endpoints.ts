import { randomBytes } from "node:crypto";
import type { AuditEvent } from "../ports.js";
import { audit, type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { checkEndpointUrl } from "./addresses.js";
import { isWebhookEvent, WEBHOOK_EVENTS } from "./catalogue.js";
import type { DeliveryRecord, WebhookEndpointRecord } from "./ports.js";
import { isWebhookSecret, newWebhookSecret } from "./signing.js";

/** Consecutive failed attempts after which an endpoint is shown as failing (it is still retried). */
export const FAILING_AFTER = 5;

/** An endpoint as operators see it: never its secret. */
export type WebhookView = Omit<WebhookEndpointRecord, "secretBox"> & { failing: boolean };

export type NewWebhook = { url: string; events: string[]; secret?: string | null; description?: string | null };

/** Who asked, for the audit trail: an admin (`actor`, `ip`) or, with neither, the command line. */
export type AuditAs = Pick<AuditEvent, "actor" | "ip">;

const view = ({ secretBox: _secret, ...endpoint }: WebhookEndpointRecord): WebhookView => ({
  ...endpoint,
  failing: endpoint.failingSince !== null,
});

function checkedEvents(events: string[]): string[] {
  const unknown = events.find((event) => !isWebhookEvent(event));
  if (unknown !== undefined || events.length === 0) {
    throw new AuthError(
      "invalid_request",
      `events must be among ${WEBHOOK_EVENTS.join(", ")}${unknown ? `; unknown: ${unknown}` : ""}`,
    );
  }
  return [...new Set(events)].sort();
}

function checkedDescription(description: string | null | undefined): string | null {
  if (description === undefined || description === null || description === "") return null;
  if (description.length > 200 || /\p{Cc}/u.test(description)) {
    throw new AuthError("invalid_request", "description: at most 200 printable characters");
  }
  return description;
}

/** Registers an endpoint; its secret (generated unless given) is returned here and never again. */
export async function createWebhook(ctx: CoreContext, input: NewWebhook, auditAs: AuditAs = {}) {
  const events = checkedEvents(input.events);
  const description = checkedDescription(input.description);
  if (input.secret !== undefined && input.secret !== null && !isWebhookSecret(input.secret)) {
    throw new AuthError("invalid_request", "a webhook secret is whsec_ followed by 24 to 64 bytes in base64");
  }
  const url = await checkEndpointUrl(input.url, ctx.webhooks.settings.allowPrivate);
  const secret = input.secret ?? newWebhookSecret();
  const id = `ep_${randomBytes(12).toString("hex")}`;
  await inTransaction(ctx, async (tx) => {
    const secretBox = ctx.webhooks.box.seal(id, secret);
    await tx.store.webhooks.insertEndpoint({ id, url, description, secretBox, events, createdAt: ctx.now() });
    await audit(tx, { ...auditAs, event: "webhook_created", outcome: "success", detail: `${id} ${events.join(",")}` });
  });
  return { endpoint: await webhookView(ctx, id), secret };
}

export async function listWebhooks(ctx: CoreContext): Promise<WebhookView[]> {
  return (await ctx.store.webhooks.listEndpoints()).map(view);
}

export async function webhookView(ctx: CoreContext, id: string): Promise<WebhookView> {
  const endpoint = id.length <= 64 ? await ctx.store.webhooks.findEndpoint(id) : null;
  if (!endpoint) throw new AuthError("not_found", `no webhook endpoint ${id}`);
  return view(endpoint);
}

/** Deletes the endpoint with its pending and past deliveries. */
export async function deleteWebhook(ctx: CoreContext, id: string, auditAs: AuditAs = {}): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    if (id.length > 64 || !(await tx.store.webhooks.deleteEndpoint(id)))
      throw new AuthError("not_found", `no webhook endpoint ${id}`);
    await audit(tx, { ...auditAs, event: "webhook_deleted", outcome: "success", detail: id });
  });
}

/** A new generated secret, returned once; every attempt from now on is signed with it. */
export async function rotateWebhookSecret(ctx: CoreContext, id: string, auditAs: AuditAs = {}): Promise<string> {
  const secret = newWebhookSecret();
  await inTransaction(ctx, async (tx) => {
    const sealed = ctx.webhooks.box.seal(id, secret);
    if (id.length > 64 || !(await tx.store.webhooks.setEndpointSecret(id, sealed))) {
      throw new AuthError("not_found", `no webhook endpoint ${id}`);
    }
    await audit(tx, { ...auditAs, event: "webhook_secret_rotated", outcome: "success", detail: id });
  });
  return secret;
}

/** Sends the events since `since` again (to one endpoint, or every one), with their original ids. */
export async function replayWebhooks(ctx: CoreContext, since: number, endpointId: string | null, auditAs: AuditAs = {}) {
  if (endpointId !== null) await webhookView(ctx, endpointId);
  const requeued = await inTransaction(ctx, async (tx) => {
    const count = await tx.store.webhooks.requeueSince(since, endpointId, ctx.now());
    const detail = `since=${new Date(since).toISOString()} endpoint=${endpointId ?? "all"} deliveries=${count}`;
    await audit(tx, { ...auditAs, event: "webhook_replayed", outcome: "success", detail });
    if (count > 0) tx.afterCommit(ctx.webhooks.wake);
    return count;
  });
  return requeued;
}

/** The newest deliveries (of one endpoint, or all), for inspection. */
export async function webhookDeliveries(ctx: CoreContext, endpointId: string | null, limit = 50): Promise<DeliveryRecord[]> {
  if (endpointId !== null) await webhookView(ctx, endpointId);
  return ctx.store.webhooks.recentDeliveries(endpointId, Math.min(Math.max(limit, 1), 500));
}

/** Deliveries not yet delivered nor given up (for the metrics). */
export const webhookOutboxDepth = (ctx: CoreContext): Promise<number> => ctx.store.webhooks.outboxDepth();
