import type { FastifyInstance } from "fastify";
import type { ClientSettings, TokenEndpointAuthMethod } from "../../core/index.js";
import type { AdminRouteOptions } from "./index.js";
import { bool, has, jsonObject, oneOf, requiredText, text, textList } from "./input.js";
import { wireClient } from "./wire.js";
import {
  adminRoute,
  CLIENT,
  CLIENT_CHANGES,
  CLIENT_SECRET,
  CREATED_CLIENT,
  empty,
  json,
  list,
  LOCATION,
  NEW_CLIENT,
  withHeaders,
} from "./schemas.js";

type Id = { Params: { id: string } };

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ["client_secret_basic", "client_secret_post", "none"];
const SETTINGS = [
  "name",
  "grants",
  "scopes",
  "redirect_uris",
  "post_logout_redirect_uris",
  "token_endpoint_auth_method",
  "first_party",
];

/** The registration members a body gives, and only those (the rest stay as they are). */
function settingsOf(body: Record<string, unknown>): ClientSettings {
  const settings: ClientSettings = {};
  if (has(body, "name")) settings.name = text(body, "name", { nullable: true }) ?? null;
  const lists = {
    grants: "grants",
    scopes: "scopes",
    redirect_uris: "redirectUris",
    post_logout_redirect_uris: "postLogoutRedirectUris",
  } as const;
  for (const [member, key] of Object.entries(lists)) {
    const value = textList(body, member);
    if (value !== undefined) settings[key] = value;
  }
  const method = oneOf(text(body, "token_endpoint_auth_method"), "token_endpoint_auth_method", AUTH_METHODS);
  if (method !== undefined) settings.tokenEndpointAuthMethod = method;
  const firstParty = bool(body, "first_party");
  if (firstParty !== undefined) settings.firstParty = firstParty;
  return settings;
}

/** OAuth clients; a generated secret is in the one response that made it, and nowhere else. */
export async function clientRoutes(app: FastifyInstance, { core, actorOf }: AdminRouteOptions): Promise<void> {
  app.get(
    "/v1/admin/clients",
    adminRoute({
      summary: "Every OAuth client (never a secret or its hash)",
      response: { 200: json("the clients", list(CLIENT)) },
    }),
    async () => ({ items: (await core.listClientViews()).map(wireClient) }),
  );

  app.post(
    "/v1/admin/clients",
    adminRoute({
      summary: "Register a client; a confidential one's generated secret is in this answer only",
      body: NEW_CLIENT,
      errors: [400, 409],
      response: { 201: withHeaders(json("the client, with client_secret unless public", CREATED_CLIENT), LOCATION) },
    }),
    async (request, reply) => {
      const body = jsonObject(request.body, ["client_id", "public", ...SETTINGS]);
      const isPublic = bool(body, "public") ?? false;
      const settings = settingsOf(body);
      const { client, secret } = await core.createClientAsAdmin(actorOf(request), {
        ...settings,
        id: requiredText(body, "client_id"),
        isPublic,
        // A machine's client by default; a public one says what it is for (no secret, so no client_credentials).
        grants: settings.grants ?? (isPublic ? [] : ["client_credentials"]),
        ...(isPublic ? { tokenEndpointAuthMethod: "none" } : {}),
      });
      const created = { ...wireClient(client), ...(secret === null ? {} : { client_secret: secret }) };
      return reply
        .code(201)
        .header("location", `/v1/admin/clients/${encodeURIComponent(client.id)}`)
        .send(created);
    },
  );

  app.get<Id>(
    "/v1/admin/clients/:id",
    adminRoute({
      summary: "Read a client",
      params: ["id"],
      errors: [404],
      response: { 200: json("the client", CLIENT) },
    }),
    async (request) => wireClient(await core.clientView(request.params.id)),
  );

  app.patch<Id>(
    "/v1/admin/clients/:id",
    adminRoute({
      summary: "Change a client's registration; a list given replaces the whole list",
      params: ["id"],
      body: CLIENT_CHANGES,
      errors: [400, 404],
      response: { 200: json("the client as changed", CLIENT) },
    }),
    async (request) => {
      const body = jsonObject(request.body, SETTINGS);
      return wireClient(await core.updateClientAsAdmin(actorOf(request), request.params.id, settingsOf(body)));
    },
  );

  app.delete<Id>(
    "/v1/admin/clients/:id",
    adminRoute({
      summary: "Delete a client and revoke every session opened for it",
      params: ["id"],
      errors: [404],
      response: { 204: empty("deleted") },
    }),
    async (request, reply) => {
      await core.deleteClientAsAdmin(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<Id>(
    "/v1/admin/clients/:id/secret",
    adminRoute({
      summary: "A new generated secret for a confidential client, shown once; the old one stops working",
      params: ["id"],
      errors: [400, 404],
      response: { 200: json("the new secret", CLIENT_SECRET) },
    }),
    async (request) => {
      const secret = await core.rotateClientSecret(actorOf(request), request.params.id);
      return { client_id: request.params.id, client_secret: secret };
    },
  );
}
