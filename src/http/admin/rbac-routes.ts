import type { FastifyInstance } from "fastify";
import type { AdminRouteOptions } from "./index.js";
import { jsonObject, requiredText, text } from "./input.js";
import { wirePermission, wireRole } from "./wire.js";
import { adminRoute, DESCRIPTION, empty, json, list, LOCATION, NAMED, PERMISSION, ROLE, withHeaders } from "./schemas.js";

type Name = { Params: { name: string } };
type RolePermission = { Params: { name: string; permission: string } };

/** Roles, their permissions, and the permissions themselves. */
export async function rbacRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get(
    "/v1/admin/roles",
    adminRoute({
      summary: "Every role with its permissions",
      response: { 200: json("the roles", list(ROLE)) },
    }),
    async () => ({ items: (await core.listRoles()).map(wireRole) }),
  );

  app.post(
    "/v1/admin/roles",
    adminRoute({
      summary: "Create a role",
      body: NAMED,
      errors: [400, 409],
      response: { 201: withHeaders(json("the role", ROLE), LOCATION) },
    }),
    async (request, reply) => {
      const body = jsonObject(request.body, ["name", "description"]);
      const role = await core.createRoleAsAdmin(
        actorOf(request),
        requiredText(body, "name"),
        text(body, "description", { nullable: true }) || null,
      );
      return reply
        .code(201)
        .header("location", `/v1/admin/roles/${encodeURIComponent(role.name)}`)
        .send(wireRole(role));
    },
  );

  app.get<Name>(
    "/v1/admin/roles/:name",
    adminRoute({
      summary: "Read a role",
      params: ["name"],
      errors: [404],
      response: { 200: json("the role", ROLE) },
    }),
    async (request) => wireRole(await core.roleDetail(request.params.name)),
  );

  app.patch<Name>(
    "/v1/admin/roles/:name",
    adminRoute({
      summary: "Change a role's description",
      params: ["name"],
      body: DESCRIPTION,
      errors: [400, 404],
      response: { 200: json("the role as changed", ROLE) },
    }),
    async (request) => {
      const body = jsonObject(request.body, ["description"]);
      const description = text(body, "description", { nullable: true });
      return wireRole(await core.updateRole(actorOf(request), request.params.name, description || null));
    },
  );

  app.delete<Name>(
    "/v1/admin/roles/:name",
    adminRoute({
      summary: "Delete a role; its holders lose it. USER and ADMIN cannot be deleted",
      params: ["name"],
      errors: [404, 409],
      response: { 204: empty("deleted") },
    }),
    async (request, reply) => {
      await core.deleteRole(actorOf(request), request.params.name);
      return reply.code(204).send();
    },
  );

  app.put<RolePermission>(
    "/v1/admin/roles/:name/permissions/:permission",
    adminRoute({
      summary: "Grant a role a permission",
      params: ["name", "permission"],
      errors: [404, 409],
      response: { 204: empty("granted") },
    }),
    async (request, reply) => {
      await core.grantRolePermission(actorOf(request), request.params.name, request.params.permission);
      return reply.code(204).send();
    },
  );

  app.delete<RolePermission>(
    "/v1/admin/roles/:name/permissions/:permission",
    adminRoute({
      summary: "Revoke a permission from a role",
      params: ["name", "permission"],
      errors: [404],
      response: { 204: empty("revoked") },
    }),
    async (request, reply) => {
      await core.revokeRolePermission(actorOf(request), request.params.name, request.params.permission);
      return reply.code(204).send();
    },
  );

  app.get(
    "/v1/admin/permissions",
    adminRoute({
      summary: "Every permission",
      response: { 200: json("the permissions", list(PERMISSION)) },
    }),
    async () => ({ items: (await core.listPermissions()).map(wirePermission) }),
  );

  app.post(
    "/v1/admin/permissions",
    adminRoute({
      summary: "Create a permission",
      body: NAMED,
      errors: [400, 409],
      response: { 201: json("the permission", PERMISSION) },
    }),
    async (request, reply) => {
      const body = jsonObject(request.body, ["name", "description"]);
      const name = requiredText(body, "name");
      const permission = await core.createPermissionAsAdmin(
        actorOf(request),
        name,
        text(body, "description", { nullable: true }) || null,
      );
      return reply.code(201).send(wirePermission(permission));
    },
  );

  app.delete<Name>(
    "/v1/admin/permissions/:name",
    adminRoute({
      summary: "Delete a permission; gatehouse:admin cannot be deleted",
      params: ["name"],
      errors: [404, 409],
      response: { 204: empty("deleted") },
    }),
    async (request, reply) => {
      await core.deletePermission(actorOf(request), request.params.name);
      return reply.code(204).send();
    },
  );
}
