import type { FastifyInstance } from "fastify";
import type { AdminRouteOptions } from "./index.js";
import { jsonObject, requiredText, text } from "./input.js";
import { wirePermission, wireRole } from "./wire.js";

type Name = { Params: { name: string } };
type RolePermission = { Params: { name: string; permission: string } };

/** Roles, their permissions, and the permissions themselves. */
export async function rbacRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get("/v1/admin/roles", async () => ({ items: (await core.listRoles()).map(wireRole) }));

  app.post("/v1/admin/roles", async (request, reply) => {
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
  });

  app.get<Name>("/v1/admin/roles/:name", async (request) => wireRole(await core.roleDetail(request.params.name)));

  app.patch<Name>("/v1/admin/roles/:name", async (request) => {
    const body = jsonObject(request.body, ["description"]);
    const description = text(body, "description", { nullable: true });
    return wireRole(await core.updateRole(actorOf(request), request.params.name, description || null));
  });

  app.delete<Name>("/v1/admin/roles/:name", async (request, reply) => {
    await core.deleteRole(actorOf(request), request.params.name);
    return reply.code(204).send();
  });

  app.put<RolePermission>("/v1/admin/roles/:name/permissions/:permission", async (request, reply) => {
    await core.grantRolePermission(actorOf(request), request.params.name, request.params.permission);
    return reply.code(204).send();
  });

  app.delete<RolePermission>("/v1/admin/roles/:name/permissions/:permission", async (request, reply) => {
    await core.revokeRolePermission(actorOf(request), request.params.name, request.params.permission);
    return reply.code(204).send();
  });

  app.get("/v1/admin/permissions", async () => ({ items: (await core.listPermissions()).map(wirePermission) }));

  app.post("/v1/admin/permissions", async (request, reply) => {
    const body = jsonObject(request.body, ["name", "description"]);
    const name = requiredText(body, "name");
    const permission = await core.createPermissionAsAdmin(
      actorOf(request),
      name,
      text(body, "description", { nullable: true }) || null,
    );
    return reply.code(201).send(wirePermission(permission));
  });

  app.delete<Name>("/v1/admin/permissions/:name", async (request, reply) => {
    await core.deletePermission(actorOf(request), request.params.name);
    return reply.code(204).send();
  });
}
