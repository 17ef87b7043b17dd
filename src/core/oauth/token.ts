import type { ClientRecord } from "../ports.js";
import type { CoreContext, RequestMeta } from "../context.js";
import { AuthError } from "../errors.js";
import { GRANTS } from "./grants/index.js";
import type { TokenRequest, TokenResponse } from "./types.js";

/** The RFC 6749 token endpoint, after client authentication. */
export async function exchangeToken(
  ctx: CoreContext,
  client: ClientRecord,
  request: TokenRequest,
  meta: RequestMeta,
): Promise<TokenResponse> {
  if (!request.grantType) throw new AuthError("invalid_request", "grant_type is required");
  const grant = Object.hasOwn(GRANTS, request.grantType) ? GRANTS[request.grantType] : undefined;
  if (!grant) throw new AuthError("unsupported_grant_type");
  if (!client.grants.includes(request.grantType)) throw new AuthError("unauthorized_client");
  const response = await grant(ctx, client, request, meta);
  ctx.metrics.tokenIssued(request.grantType);
  return response;
}
