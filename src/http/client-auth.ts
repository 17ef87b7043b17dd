import type { FastifyRequest } from "fastify";
import { AuthError, type ClientRecord, type Core } from "../core/index.js";
import { INVALID, stringField } from "./fields.js";

export type ClientCredentials = { clientId: string; secret: string | null; basic: boolean };

/** RFC 6749 Appendix B: Basic credentials are form-urlencoded before base64. */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

function basicCredentials(encoded: string): ClientCredentials {
  const decoded = Buffer.from(encoded.trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const id = colon > 0 ? formDecode(decoded.slice(0, colon)) : null;
  const secret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : null;
  if (!id || secret === null) throw new AuthError("invalid_client", "malformed Basic credentials");
  return { clientId: id, secret, basic: true };
}

/**
 * Client credentials from HTTP Basic or from the body's `client_id`/`client_secret` — never
 * both, never from the query string. `null` when the request carries none.
 */
export function clientCredentials(request: FastifyRequest, body: Record<string, unknown>): ClientCredentials | null {
  const header = request.headers.authorization;
  const formId = stringField(body, "client_id");
  const formSecret = stringField(body, "client_secret");
  if (formId === INVALID || formSecret === INVALID) throw new AuthError("invalid_request", "malformed client credentials");
  if (typeof header === "string" && /^basic /i.test(header)) {
    if (formSecret !== undefined) throw new AuthError("invalid_request", "use one client authentication method");
    const basic = basicCredentials(header.slice("basic ".length));
    if (formId !== undefined && formId !== basic.clientId) throw new AuthError("invalid_request", "conflicting client_id");
    return basic;
  }
  if (!formId) return null;
  return { clientId: formId, secret: formSecret ?? null, basic: false };
}

/**
 * Authenticates the calling client or throws `invalid_client`. `confidential` refuses public
 * clients, which prove nothing by naming themselves (introspection must not be open to them).
 */
export async function requireClient(
  core: Pick<Core, "authenticateClient">,
  request: FastifyRequest,
  body: Record<string, unknown>,
  kind: "any" | "confidential" = "any",
): Promise<ClientRecord> {
  const credentials = clientCredentials(request, body);
  if (!credentials) throw new AuthError("invalid_client", "client authentication required");
  const client = await core.authenticateClient(credentials.clientId, credentials.secret);
  if (kind === "confidential" && client.secretHash === null)
    throw new AuthError("invalid_client", "a confidential client is required");
  return client;
}
