import type { FastifyInstance } from "fastify";
import type { AdminRouteOptions } from "./index.js";
import { oneOf, queryLimit, queryText, queryTime } from "./input.js";
import { wireAudit, wireKey, wirePage } from "./wire.js";

const OUTCOMES = ["success", "failure"] as const;

/** Signing keys, the audit log and the overview's counts. */
export async function systemRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get("/v1/admin/keys", async () => {
    const { alg, keys } = await core.listSigningKeys();
    return { alg, items: keys.map(wireKey) };
  });

  app.post("/v1/admin/keys/rotate", async (request, reply) => {
    const key = await core.rotateKeyAsAdmin(actorOf(request));
    return reply.code(201).send({
      kid: key.kid,
      alg: key.alg,
      created_at: new Date(key.createdAt).toISOString(),
      adopted_within_seconds: key.adoptedWithinMs / 1000,
      previous_retire_at: new Date(key.previousRetireAt).toISOString(),
    });
  });

  app.get("/v1/admin/audit", async (request) => {
    const { query } = request;
    const page = await core.searchAudit({
      userId: queryText(query, "user_id"),
      event: queryText(query, "event"),
      outcome: oneOf(queryText(query, "outcome"), "outcome", OUTCOMES) ?? null,
      since: queryTime(query, "since"),
      until: queryTime(query, "until"),
      limit: queryLimit(query),
      cursor: queryText(query, "cursor"),
    });
    return wirePage(page, wireAudit);
  });

  app.get("/v1/admin/stats", async () => {
    const stats = await core.adminStats();
    return {
      users: { ...stats.users, total: stats.users.active + stats.users.disabled },
      live_sessions: stats.liveSessions,
      clients: stats.clients,
      logins_24h: { succeeded: stats.logins, failed: stats.failedLogins },
    };
  });
}
