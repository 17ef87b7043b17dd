import type { AuditEvent } from "../ports.js";
import { audit, type CoreContext, type StatementContext } from "../context.js";
import { AuthError } from "../errors.js";
import { checkJwt } from "../tokens/access-tokens.js";

/** The permission (of a user, through a role) or scope (of a client) the admin API requires. */
export const ADMIN_PERMISSION = "gatehouse:admin";

/** Who is acting through the admin API, and from where: every change is audited with it. */
export type AdminActor = { kind: "user" | "client"; id: string; ip: string | null };

export const actorName = (actor: AdminActor) => `${actor.kind}:${actor.id}`;

/**
 * A bearer access token allowed to administer: a user's whose roles grant `gatehouse:admin`,
 * or a client's own (client_credentials) token granted the scope by a client that is still
 * allowed it. Both are read fresh on every call, so a revoked session, a role taken away or a
 * scope withdrawn takes effect on the next request.
 */
export async function authorizeAdmin(ctx: CoreContext, token: string | null, ip: string | null): Promise<AdminActor> {
  const checked = token === null ? null : await checkJwt(ctx, token);
  if (!checked?.ok || checked.kind !== "access") {
    throw new AuthError("unauthorized", "a valid bearer access token is required");
  }
  const { session } = checked;
  if (session.userId !== null) {
    const permissions = await ctx.store.rbac.permissionsOf(session.userId);
    if (permissions.some((permission) => permission.name === ADMIN_PERMISSION)) return { kind: "user", id: session.userId, ip };
  } else if (session.clientId !== null && session.scope.split(" ").includes(ADMIN_PERMISSION)) {
    const client = await ctx.store.clients.findById(session.clientId);
    if (client?.scopes.includes(ADMIN_PERMISSION)) return { kind: "client", id: session.clientId, ip };
  }
  throw new AuthError("insufficient_scope", `the token does not carry ${ADMIN_PERMISSION}`);
}

/** Records an administrative change, naming the admin who made it. */
export function auditAdmin(
  ctx: StatementContext,
  actor: AdminActor,
  event: Omit<AuditEvent, "at" | "actor" | "ip" | "outcome">,
): Promise<void> {
  return audit(ctx, { ...event, outcome: "success", ip: actor.ip, actor: actorName(actor) });
}
