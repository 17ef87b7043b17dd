import type { FastifyInstance, FastifyRequest } from "fastify";
import { AuthError } from "../../core/errors.js";
import type { Core } from "../../core/index.js";
import type { SessionRecord } from "../../core/ports.js";
import {
  empty,
  json,
  nativeError,
  nativeErrors,
  nullable,
  object,
  type RouteSchema,
  STRING,
  transportStatuses,
  withHeaders,
} from "../schemas.js";
import { renderOAuthError } from "./oauth.js";

/** RFC 6750: the access token only from `Authorization: Bearer`, never from the query or body. */
async function authenticate(core: Core, request: FastifyRequest) {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(request.headers.authorization ?? "");
  const checked = match?.[1] ? await core.checkJwt(match[1]) : null;
  const userId = checked?.ok && checked.kind === "access" ? checked.session.userId : null;
  if (!checked?.ok || userId === null) throw new AuthError("unauthorized", "a valid bearer access token of a user is required");
  return { ...checked.session, userId };
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

const wireSession = (session: SessionRecord, currentId: string) => ({
  id: session.id,
  current: session.id === currentId,
  terminal: session.terminal,
  client_id: session.clientId,
  ip: session.ip,
  user_agent: session.userAgent,
  created_at: iso(session.createdAt),
  last_used_at: iso(session.lastUsedAt),
  expires_at: iso(session.expiresAt),
});

const CHALLENGE = { "www-authenticate": { type: "string", description: 'on 401: `Bearer error="invalid_token"`' } };
const DATE = { type: "string", format: "date-time" };
const SESSION = object({
  id: STRING,
  current: { type: "boolean", description: "the session of the token that asked" },
  terminal: nullable(STRING),
  client_id: nullable(STRING),
  ip: nullable(STRING),
  user_agent: nullable(STRING),
  created_at: DATE,
  last_used_at: DATE,
  expires_at: DATE,
});
const BEARER_ERRORS = { ...nativeErrors(transportStatuses({ body: false })), 401: withHeaders(nativeError(401), CHALLENGE) };

const LIST_SCHEMA: RouteSchema = {
  tags: ["self-service"],
  summary: "The caller's live sessions",
  description: "Authenticated by a user's access token in `Authorization: Bearer`.",
  response: {
    200: json("every live session of the user", object({ sessions: { type: "array", items: SESSION } })),
    ...BEARER_ERRORS,
  },
};

const REVOKE_SCHEMA: RouteSchema = {
  tags: ["self-service"],
  summary: "Revoke one of the caller's own sessions",
  description: "Anyone else's session, or one that has ended, is 404.",
  params: object({ id: STRING }),
  response: { 204: empty("revoked"), ...BEARER_ERRORS, ...nativeErrors([404]) },
};

/** Self-service on the native API: a user lists and revokes their own sessions. */
export async function meRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AuthError && error.code === "unauthorized") {
      reply.header("www-authenticate", 'Bearer error="invalid_token"');
    }
    return renderOAuthError(error, request, reply);
  });

  app.get("/v1/me/sessions", { schema: LIST_SCHEMA }, async (request) => {
    const current = await authenticate(core, request);
    const sessions = await core.listSessions(current.userId);
    return { sessions: sessions.map((session) => wireSession(session, current.id)) };
  });

  app.delete<{ Params: { id: string } }>("/v1/me/sessions/:id", { schema: REVOKE_SCHEMA }, async (request, reply) => {
    const current = await authenticate(core, request);
    await core.revokeOwnSession(current.userId, request.params.id, request.ip);
    return reply.code(204).send();
  });
}
