import type { FastifyInstance } from "fastify";
import type { UserStatus } from "../../core/index.js";
import type { AdminRouteOptions } from "./index.js";
import { bool, has, jsonObject, oneOf, queryLimit, queryText, requiredText, text, textList } from "./input.js";
import { wirePage, wireSession, wireUser, wireUserDetail } from "./wire.js";

const STATUSES: readonly UserStatus[] = ["active", "disabled"];

type Id = { Params: { id: string } };
type IdRole = { Params: { id: string; role: string } };

/** Users: search, create, read, change, delete; their roles, password and sessions. */
export async function userRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get("/v1/admin/users", async (request) => {
    const { query } = request;
    const page = await core.searchUsers({
      query: queryText(query, "query"),
      status: oneOf(queryText(query, "status"), "status", STATUSES) ?? null,
      role: queryText(query, "role"),
      limit: queryLimit(query),
      cursor: queryText(query, "cursor"),
    });
    return wirePage(page, wireUser);
  });

  app.post("/v1/admin/users", async (request, reply) => {
    const body = jsonObject(request.body, ["username", "email", "password", "display_name", "phone", "roles", "status"]);
    const detail = await core.createUser(actorOf(request), {
      username: requiredText(body, "username"),
      email: text(body, "email", { nullable: true }) || null,
      password: text(body, "password", { nullable: true }) ?? null,
      displayName: text(body, "display_name", { nullable: true }) || null,
      phone: text(body, "phone", { nullable: true }) ?? null,
      roles: textList(body, "roles") ?? [],
      status: oneOf(text(body, "status"), "status", STATUSES) ?? "active",
    });
    return reply.code(201).header("location", `/v1/admin/users/${detail.user.id}`).send(wireUserDetail(detail));
  });

  app.get<Id>("/v1/admin/users/:id", async (request) => wireUserDetail(await core.userDetail(request.params.id)));

  app.patch<Id>("/v1/admin/users/:id", async (request) => {
    const body = jsonObject(request.body, ["email", "email_verified", "phone", "display_name", "attributes", "status"]);
    const detail = await core.updateUser(actorOf(request), request.params.id, {
      ...(has(body, "email") ? { email: text(body, "email", { nullable: true }) ?? null } : {}),
      ...(has(body, "email_verified") ? { emailVerified: bool(body, "email_verified") } : {}),
      ...(has(body, "phone") ? { phone: text(body, "phone", { nullable: true }) ?? null } : {}),
      ...(has(body, "display_name") ? { displayName: text(body, "display_name", { nullable: true }) ?? null } : {}),
      ...(has(body, "attributes") ? { attributes: body.attributes as Record<string, unknown> } : {}),
      ...(has(body, "status") ? { status: oneOf(text(body, "status"), "status", STATUSES) } : {}),
    });
    return wireUserDetail(detail);
  });

  app.delete<Id>("/v1/admin/users/:id", async (request, reply) => {
    await core.deleteUserById(actorOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.put<IdRole>("/v1/admin/users/:id/roles/:role", async (request, reply) => {
    await core.addRole(actorOf(request), request.params.id, request.params.role);
    return reply.code(204).send();
  });

  app.delete<IdRole>("/v1/admin/users/:id/roles/:role", async (request, reply) => {
    await core.removeRole(actorOf(request), request.params.id, request.params.role);
    return reply.code(204).send();
  });

  app.post<Id>("/v1/admin/users/:id/password", async (request, reply) => {
    const body = jsonObject(request.body, ["password"]);
    await core.setPassword(actorOf(request), request.params.id, requiredText(body, "password"));
    return reply.code(204).send();
  });

  app.get<Id>("/v1/admin/users/:id/sessions", async (request) => {
    const sessions = await core.sessionsOfUser(request.params.id);
    return { items: sessions.map(wireSession) };
  });

  app.delete<Id>("/v1/admin/users/:id/sessions", async (request) => {
    const revoked = await core.revokeSessionsOfUser(actorOf(request), request.params.id);
    return { revoked };
  });

  app.delete<Id>("/v1/admin/sessions/:id", async (request, reply) => {
    await core.revokeSessionById(actorOf(request), request.params.id);
    return reply.code(204).send();
  });
}
