import type { ClientRecord } from "../ports.js";
import { type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { type ClientSettings, createClient, findClient, type NewClient, updateClient } from "../clients/clients.js";
import { randomToken } from "../tokens/secrets.js";
import { emit } from "../webhooks/outbox.js";
import { type AdminActor, actorName, auditAdmin } from "./authorize.js";

/** A client as the admin API shows it: never its secret hash. */
export type ClientView = Omit<ClientRecord, "secretHash"> & { isPublic: boolean };

const view = ({ secretHash, ...client }: ClientRecord): ClientView => ({ ...client, isPublic: secretHash === null });

async function requireClient(ctx: CoreContext, id: string): Promise<ClientRecord> {
  const client = await findClient(ctx, id);
  if (!client) throw new AuthError("not_found", `no client ${id}`);
  return client;
}

export async function listClientViews(ctx: CoreContext): Promise<ClientView[]> {
  return (await ctx.store.clients.list()).map(view);
}

export const clientView = async (ctx: CoreContext, id: string): Promise<ClientView> => view(await requireClient(ctx, id));

/** Registers a client; a confidential one's generated secret is returned here, and never again. */
export async function createClientAsAdmin(
  ctx: CoreContext,
  actor: AdminActor,
  input: Omit<NewClient, "secret">,
): Promise<{ client: ClientView; secret: string | null }> {
  const { secret } = await inTransaction(ctx, async (tx) => {
    const created = await createClient(tx, { ...input, secret: null }, actorName(actor));
    await auditAdmin(tx, actor, { event: "client_created", clientId: created.id });
    return created;
  });
  return { client: await clientView(ctx, input.id), secret };
}

export async function updateClientAsAdmin(ctx: CoreContext, actor: AdminActor, id: string, changes: ClientSettings) {
  const client = await inTransaction(ctx, async (tx) => {
    const updated = await updateClient(tx, id, changes);
    await auditAdmin(tx, actor, { event: "client_updated", clientId: id, detail: Object.keys(changes).sort().join(",") });
    return updated;
  });
  return view(client);
}

/** Deletes a client and revokes every session opened for it, so its tokens die with it. */
export async function deleteClientAsAdmin(ctx: CoreContext, actor: AdminActor, id: string): Promise<void> {
  await requireClient(ctx, id);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.deleteClient(id))) throw new AuthError("not_found", `no client ${id}`);
    const revoked = await tx.store.admin.revokeSessionsOfClient(id, ctx.now());
    await auditAdmin(tx, actor, { event: "client_deleted", clientId: id, detail: `sessions_revoked=${revoked}` });
    await emit(tx, "client.deleted", { clientId: id, sessionsRevoked: revoked, by: actorName(actor) });
  });
}

/** A new generated secret for a confidential client, returned once; the old one stops working at once. */
export async function rotateClientSecret(ctx: CoreContext, actor: AdminActor, id: string): Promise<string> {
  const client = await requireClient(ctx, id);
  if (client.secretHash === null) throw new AuthError("invalid_request", "a public client has no secret");
  const secret = randomToken(32);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.admin.setClientSecret(id, ctx.secretHash(secret)))) throw new AuthError("not_found", `no client ${id}`);
    await auditAdmin(tx, actor, { event: "client_secret_rotated", clientId: id });
  });
  return secret;
}
