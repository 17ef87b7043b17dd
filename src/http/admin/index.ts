import type { FastifyInstance, FastifyRequest } from "fastify";
import { type AdminActor, AuthError, type Core } from "../../core/index.js";
import { renderOAuthError } from "../routes/oauth.js";
import { clientRoutes } from "./clients-routes.js";
import { rbacRoutes } from "./rbac-routes.js";
import { systemRoutes } from "./system-routes.js";
import { userRoutes } from "./users-routes.js";
import { webhookRoutes } from "./webhooks-routes.js";

export type AdminRouteOptions = { core: Core; actorOf: (request: FastifyRequest) => AdminActor };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * The admin API under `/v1/admin` (docs/admin-api.md): JSON in and out, native errors. Every
 * request is authorized before its body is read: a user's access token whose roles grant
 * `gatehouse:admin`, or a client's own token with that scope, checked afresh each time.
 */
export async function adminRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const actors = new WeakMap<FastifyRequest, AdminActor>();
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AuthError && error.code === "unauthorized") {
      // RFC 6750 §3.1: no error code when no token was offered; invalid_token when one was.
      const offered = request.headers.authorization !== undefined;
      reply.header("www-authenticate", offered ? 'Bearer realm="gatehouse", error="invalid_token"' : 'Bearer realm="gatehouse"');
    }
    if (error instanceof AuthError && error.code === "insufficient_scope") {
      reply.header("www-authenticate", 'Bearer realm="gatehouse", error="insufficient_scope", scope="gatehouse:admin"');
    }
    return renderOAuthError(error, request, reply);
  });
  app.addHook("onRequest", async (request) => {
    const token = BEARER.exec(request.headers.authorization ?? "")?.[1] ?? null;
    actors.set(request, await core.authorizeAdmin(token, request.ip));
  });
  const actorOf = (request: FastifyRequest): AdminActor => {
    const actor = actors.get(request);
    // Unreachable while the hook above runs first; a route registered outside it fails closed.
    if (!actor) throw new AuthError("unauthorized");
    return actor;
  };
  const options: AdminRouteOptions = { core, actorOf };
  await app.register(userRoutes, options);
  await app.register(rbacRoutes, options);
  await app.register(clientRoutes, options);
  await app.register(systemRoutes, options);
  await app.register(webhookRoutes, options);
}
