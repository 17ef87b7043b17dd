import type { FastifyInstance, FastifyRequest } from "fastify";
import { AuthError, WEBHOOK_EVENTS } from "../../core/index.js";
import { BOOLEAN, INTEGER, nullable, object, STRING } from "../schemas.js";
import type { AdminRouteOptions } from "./index.js";
import { jsonObject, requiredText, text, textList } from "./input.js";
import { adminRoute, empty, json, list, LOCATION, withHeaders } from "./schemas.js";
import { parseSince, wireDelivery, wireWebhook } from "./webhooks-wire.js";

type Id = { Params: { id: string } };

const TIME = { type: "string", format: "date-time" } as const;
const NULLABLE_TIME = nullable(TIME);
const EVENTS = { type: "array", items: { type: "string", enum: [...WEBHOOK_EVENTS] } } as const;
const ENDPOINT_MEMBERS = {
  id: STRING,
  url: STRING,
  description: nullable(STRING),
  events: EVENTS,
  created_at: TIME,
  failing: BOOLEAN,
  failing_since: NULLABLE_TIME,
  consecutive_failures: INTEGER,
  last_success_at: NULLABLE_TIME,
  last_failure_at: NULLABLE_TIME,
};
const ENDPOINT = object(ENDPOINT_MEMBERS);
const CREATED = object({ ...ENDPOINT_MEMBERS, secret: STRING });
const NEW_ENDPOINT = object({ url: STRING, events: EVENTS, secret: STRING, description: nullable(STRING) }, [
  "secret",
  "description",
]);
const SECRET = object({ id: STRING, secret: STRING });
const DELIVERY = object({
  id: INTEGER,
  message_id: STRING,
  endpoint_id: STRING,
  type: STRING,
  created_at: TIME,
  status: { type: "string", enum: ["pending", "delivered", "failed"] },
  attempts: INTEGER,
  next_attempt_at: NULLABLE_TIME,
  last_attempt_at: NULLABLE_TIME,
  last_status: nullable(INTEGER),
  last_error: nullable(STRING),
  delivered_at: NULLABLE_TIME,
});
const REPLAY = object({ since: STRING, endpoint_id: STRING }, ["endpoint_id"]);
const REPLAYED = object({ requeued: INTEGER });

/** Webhook endpoints (docs/events.md); a generated secret is in the one answer that made it. */
export async function webhookRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  const auditAs = (request: FastifyRequest) => {
    const actor = actorOf(request);
    return { actor: `${actor.kind}:${actor.id}`, ip: actor.ip };
  };

  app.get(
    "/v1/admin/webhooks",
    adminRoute({ summary: "Every webhook endpoint (never a secret)", response: { 200: json("the endpoints", list(ENDPOINT)) } }),
    async () => ({ items: (await core.listWebhooks()).map(wireWebhook) }),
  );

  app.post(
    "/v1/admin/webhooks",
    adminRoute({
      summary: "Register a webhook endpoint; its generated secret is in this answer only",
      body: NEW_ENDPOINT,
      errors: [400],
      response: { 201: withHeaders(json("the endpoint, with its secret", CREATED), LOCATION) },
    }),
    async (request, reply) => {
      const body = jsonObject(request.body, ["url", "events", "secret", "description"]);
      const input = {
        url: requiredText(body, "url"),
        events: textList(body, "events") ?? [],
        secret: text(body, "secret") ?? null,
        description: text(body, "description", { nullable: true }) ?? null,
      };
      const { endpoint, secret } = await core.createWebhook(input, auditAs(request));
      const location = `/v1/admin/webhooks/${endpoint.id}`;
      return reply
        .code(201)
        .header("location", location)
        .send({ ...wireWebhook(endpoint), secret });
    },
  );

  app.post(
    "/v1/admin/webhooks/replay",
    adminRoute({
      summary: "Send the events since a time again (to one endpoint, or every one), with their original webhook-id",
      body: REPLAY,
      errors: [400, 404],
      response: { 200: json("how many deliveries were queued again", REPLAYED) },
    }),
    async (request) => {
      const body = jsonObject(request.body, ["since", "endpoint_id"]);
      const since = parseSince(requiredText(body, "since"), Date.now());
      if (since === null) throw new AuthError("invalid_request", "since: an ISO 8601 time or a duration like 30m, 2h, 7d");
      return { requeued: await core.replayWebhooks(since, text(body, "endpoint_id") ?? null, auditAs(request)) };
    },
  );

  app.get<Id>(
    "/v1/admin/webhooks/:id",
    adminRoute({
      summary: "Read a webhook endpoint",
      params: ["id"],
      errors: [404],
      response: { 200: json("the endpoint", ENDPOINT) },
    }),
    async (request) => wireWebhook(await core.webhookView(request.params.id)),
  );

  app.delete<Id>(
    "/v1/admin/webhooks/:id",
    adminRoute({
      summary: "Delete a webhook endpoint with its deliveries",
      params: ["id"],
      errors: [404],
      response: { 204: empty("deleted") },
    }),
    async (request, reply) => {
      await core.deleteWebhook(request.params.id, auditAs(request));
      return reply.code(204).send();
    },
  );

  app.post<Id>(
    "/v1/admin/webhooks/:id/secret",
    adminRoute({
      summary: "A new generated signing secret, shown once; every attempt from now on is signed with it",
      params: ["id"],
      errors: [404],
      response: { 200: json("the new secret", SECRET) },
    }),
    async (request) => ({ id: request.params.id, secret: await core.rotateWebhookSecret(request.params.id, auditAs(request)) }),
  );

  app.get<Id>(
    "/v1/admin/webhooks/:id/deliveries",
    adminRoute({
      summary: "The endpoint's newest deliveries (at most 50), with their last attempt",
      params: ["id"],
      errors: [404],
      response: { 200: json("the deliveries, newest first", list(DELIVERY)) },
    }),
    async (request) => ({ items: (await core.webhookDeliveries(request.params.id)).map(wireDelivery) }),
  );
}
