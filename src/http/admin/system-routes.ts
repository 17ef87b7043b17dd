import type { FastifyInstance } from "fastify";
import type { AdminRouteOptions } from "./index.js";
import { oneOf, queryLimit, queryText, queryTime } from "./input.js";
import { wireAudit, wireKey, wirePage } from "./wire.js";
import { adminRoute, AUDIT_RECORD, json, KEYS, page, ROTATED_KEY, STATS } from "./schemas.js";
import { stringFields } from "../schemas.js";

const OUTCOMES = ["success", "failure"] as const;

/** Signing keys, the audit log and the overview's counts. */
export async function systemRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get(
    "/v1/admin/keys",
    adminRoute({
      summary: "The signing keys by identifier and state; never key material",
      response: { 200: json("the keys, newest first", KEYS) },
    }),
    async () => {
      const { alg, keys } = await core.listSigningKeys();
      return { alg, items: keys.map(wireKey) };
    },
  );

  app.post(
    "/v1/admin/keys/rotate",
    adminRoute({
      summary: "Create a new signing key; older keys keep verifying until their tokens expire",
      errors: [400],
      response: { 201: json("the new key", ROTATED_KEY) },
    }),
    async (request, reply) => {
      const key = await core.rotateKeyAsAdmin(actorOf(request));
      return reply.code(201).send({
        kid: key.kid,
        alg: key.alg,
        created_at: new Date(key.createdAt).toISOString(),
        adopted_within_seconds: key.adoptedWithinMs / 1000,
        previous_retire_at: new Date(key.previousRetireAt).toISOString(),
      });
    },
  );

  app.get(
    "/v1/admin/audit",
    adminRoute({
      summary: "Audit records, newest first, a page at a time",
      querystring: stringFields(["user_id", "event", "outcome", "since", "until", "limit", "cursor"], []),
      errors: [400],
      response: { 200: json("a page of audit records", page(AUDIT_RECORD)) },
    }),
    async (request) => {
      const { query } = request;
      const found = await core.searchAudit({
        userId: queryText(query, "user_id"),
        event: queryText(query, "event"),
        outcome: oneOf(queryText(query, "outcome"), "outcome", OUTCOMES) ?? null,
        since: queryTime(query, "since"),
        until: queryTime(query, "until"),
        limit: queryLimit(query),
        cursor: queryText(query, "cursor"),
      });
      return wirePage(found, wireAudit);
    },
  );

  app.get(
    "/v1/admin/stats",
    adminRoute({
      summary: "Counts of users by status, live sessions, clients, and the last day's logins",
      response: { 200: json("the counts", STATS) },
    }),
    async () => {
      const stats = await core.adminStats();
      return {
        users: { ...stats.users, total: stats.users.active + stats.users.disabled },
        live_sessions: stats.liveSessions,
        clients: stats.clients,
        logins_24h: { succeeded: stats.logins, failed: stats.failedLogins },
      };
    },
  );
}
