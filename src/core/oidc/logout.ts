import type { ActiveSession } from "../ports.js";
import type { CoreContext } from "../context.js";
import { findClient } from "../clients/clients.js";
import { revokeSession } from "../sessions/sessions.js";

export type LogoutParams = {
  idTokenHint: string | null;
  clientId: string | null;
  postLogoutRedirectUri: string | null;
  state: string | null;
};

export type LogoutOutcome =
  /** Nothing can be trusted about where to go: shown, never redirected. */
  | { kind: "error_page"; description: string }
  /** No proof the client asked for this sign-out: the user confirms it first (a logout CSRF). */
  | { kind: "confirm" }
  | { kind: "signed_out"; location: string | null };

/**
 * OpenID Connect RP-Initiated Logout 1.0 §2-§3: the client is named by the `id_token_hint`
 * (which we signed) or by `client_id`; a `post_logout_redirect_uri` must be registered for it,
 * exactly. With a hint for the browser's own user, or once the user confirmed, the browser's
 * session ends, and with it every token issued through it.
 */
export async function endSession(
  ctx: CoreContext,
  params: LogoutParams,
  browser: ActiveSession | null,
  step: { confirmed: boolean; ip: string | null },
): Promise<LogoutOutcome> {
  const hint = params.idTokenHint ? await ctx.jwt.readIdTokenHint(params.idTokenHint) : null;
  if (params.idTokenHint && !hint) return { kind: "error_page", description: "the id_token_hint is not valid" };
  const clientId = (hint?.aud as string | undefined) ?? params.clientId;
  if (hint && params.clientId && params.clientId !== hint.aud) {
    return { kind: "error_page", description: "client_id does not match the id_token_hint" };
  }
  const client = clientId ? await findClient(ctx, clientId) : null;
  if (clientId && !client) return { kind: "error_page", description: "unknown client" };
  const target = params.postLogoutRedirectUri;
  if (target !== null && (!client || !client.postLogoutRedirectUris.includes(target))) {
    return { kind: "error_page", description: "the post_logout_redirect_uri is not registered for this client" };
  }
  const hintNamesBrowser = hint !== null && browser !== null && (hint.sid === browser.id || hint.sub === browser.userId);
  if (browser !== null && !hintNamesBrowser && !step.confirmed) return { kind: "confirm" };
  // Revoking the browser's session ends the sessions its code exchanges opened (they read it).
  if (browser !== null) await revokeSession(ctx, browser, "signed out", step.ip);
  if (target === null) return { kind: "signed_out", location: null };
  const url = new URL(target);
  if (params.state !== null) url.searchParams.set("state", params.state);
  return { kind: "signed_out", location: url.toString() };
}
