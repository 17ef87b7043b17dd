import type { FastifyInstance } from "fastify";
import type { UserStatus } from "../../core/index.js";
import type { AdminRouteOptions } from "./index.js";
import { bool, has, jsonObject, oneOf, queryLimit, queryText, requiredText, text, textList } from "./input.js";
import { wirePage, wireSession, wireUser, wireUserDetail } from "./wire.js";
import {
  adminRoute,
  empty,
  json,
  list,
  LOCATION,
  NEW_USER,
  page,
  PASSWORD,
  SESSION,
  USER,
  USER_CHANGES,
  USER_DETAIL,
  withHeaders,
} from "./schemas.js";
import { object, stringFields } from "../schemas.js";

const SEARCH = stringFields(["query", "status", "role", "limit", "cursor"], []);
const USER_ERRORS = [400, 404] as const;

const STATUSES: readonly UserStatus[] = ["active", "disabled"];

type Id = { Params: { id: string } };
type IdRole = { Params: { id: string; role: string } };

/** Users: search, create, read, change, delete; their roles, password and sessions. */
export async function userRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get(
    "/v1/admin/users",
    adminRoute({
      summary: "Search users by username or email prefix, status and role, a page at a time",
      querystring: SEARCH,
      errors: [400, 404],
      response: { 200: json("a page of users, in creation order", page(USER)) },
    }),
    async (request) => {
      const { query } = request;
      const found = await core.searchUsers({
        query: queryText(query, "query"),
        status: oneOf(queryText(query, "status"), "status", STATUSES) ?? null,
        role: queryText(query, "role"),
        limit: queryLimit(query),
        cursor: queryText(query, "cursor"),
      });
      return wirePage(found, wireUser);
    },
  );

  app.post(
    "/v1/admin/users",
    adminRoute({
      summary: "Create a user under the registration rules",
      body: NEW_USER,
      errors: [400, 404, 409],
      response: { 201: withHeaders(json("the user", USER_DETAIL), LOCATION) },
    }),
    async (request, reply) => {
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
    },
  );

  app.get<Id>(
    "/v1/admin/users/:id",
    adminRoute({
      summary: "Read a user and their roles",
      params: ["id"],
      errors: USER_ERRORS,
      response: { 200: json("the user", USER_DETAIL) },
    }),
    async (request) => wireUserDetail(await core.userDetail(request.params.id)),
  );

  app.patch<Id>(
    "/v1/admin/users/:id",
    adminRoute({
      summary: "Change a user's profile or status; disabling revokes every session at once",
      params: ["id"],
      body: USER_CHANGES,
      errors: [400, 404, 409],
      response: { 200: json("the user as changed", USER_DETAIL) },
    }),
    async (request) => {
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
    },
  );

  app.delete<Id>(
    "/v1/admin/users/:id",
    adminRoute({
      summary: "Delete a user with their sessions and tokens",
      params: ["id"],
      errors: USER_ERRORS,
      response: { 204: empty("deleted") },
    }),
    async (request, reply) => {
      await core.deleteUserById(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.put<IdRole>(
    "/v1/admin/users/:id/roles/:role",
    adminRoute({
      summary: "Give a user a role",
      params: ["id", "role"],
      errors: [400, 404, 409],
      response: { 204: empty("the user holds the role") },
    }),
    async (request, reply) => {
      await core.addRole(actorOf(request), request.params.id, request.params.role);
      return reply.code(204).send();
    },
  );

  app.delete<IdRole>(
    "/v1/admin/users/:id/roles/:role",
    adminRoute({
      summary: "Take a role from a user",
      params: ["id", "role"],
      errors: USER_ERRORS,
      response: { 204: empty("the user no longer holds the role") },
    }),
    async (request, reply) => {
      await core.removeRole(actorOf(request), request.params.id, request.params.role);
      return reply.code(204).send();
    },
  );

  app.post<Id>(
    "/v1/admin/users/:id/password",
    adminRoute({
      summary: "Set a user's password under the policy; every session of the user is revoked",
      params: ["id"],
      body: PASSWORD,
      errors: USER_ERRORS,
      response: { 204: empty("the password is set") },
    }),
    async (request, reply) => {
      const body = jsonObject(request.body, ["password"]);
      await core.setPassword(actorOf(request), request.params.id, requiredText(body, "password"));
      return reply.code(204).send();
    },
  );

  app.get<Id>(
    "/v1/admin/users/:id/sessions",
    adminRoute({
      summary: "A user's live sessions, newest first",
      params: ["id"],
      errors: USER_ERRORS,
      response: { 200: json("the sessions", list(SESSION)) },
    }),
    async (request) => {
      const sessions = await core.sessionsOfUser(request.params.id);
      return { items: sessions.map(wireSession) };
    },
  );

  app.delete<Id>(
    "/v1/admin/users/:id/sessions",
    adminRoute({
      summary: "Revoke every session of a user",
      params: ["id"],
      errors: USER_ERRORS,
      response: { 200: json("how many sessions were revoked", object({ revoked: { type: "integer", minimum: 0 } })) },
    }),
    async (request) => {
      const revoked = await core.revokeSessionsOfUser(actorOf(request), request.params.id);
      return { revoked };
    },
  );

  app.delete<Id>(
    "/v1/admin/sessions/:id",
    adminRoute({
      summary: "Revoke one session, whoever's",
      params: ["id"],
      errors: USER_ERRORS,
      response: { 204: empty("revoked") },
    }),
    async (request, reply) => {
      await core.revokeSessionById(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
}
