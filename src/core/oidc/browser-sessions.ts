import type { ActiveSession, SessionRecord } from "../ports.js";
import type { CoreContext, RequestMeta } from "../context.js";
import { login } from "../accounts/login.js";
import { AuthError, isAuthError } from "../errors.js";
import { liveSession, revokeSession } from "../sessions/sessions.js";
import { safeEqual } from "../tokens/secrets.js";

/**
 * The hosted login's sessions. The browser's cookie names an ordinary Gatehouse session (listed
 * in `/v1/me/sessions`, revoked by logout, password change, disabling and deletion) together
 * with a keyed MAC of its id: a session id alone (it is in tokens' `sid`) opens nothing.
 */

const COOKIE_CONTEXT = "browser-session:";
const SESSION_ID = /^[0-9a-f-]{36}$/;

export const browserCookieValue = (ctx: CoreContext, session: Pick<SessionRecord, "id">): string =>
  `${session.id}.${ctx.secretHash(COOKIE_CONTEXT + session.id)}`;

/** The live browser session a cookie names, or `null` for a missing, forged or dead one. */
export async function browserSession(ctx: CoreContext, cookie: string | null): Promise<ActiveSession | null> {
  const [id = "", mac = "", ...rest] = (cookie ?? "").split(".");
  if (rest.length > 0 || !SESSION_ID.test(id) || !safeEqual(mac, ctx.secretHash(COOKIE_CONTEXT + id))) return null;
  const session = await liveSession(ctx, id);
  return session && session.parentId === null && session.userId !== null ? session : null;
}

/**
 * Signs in on the hosted page: the same checks as every other login door (lockout, throttling,
 * audit), by username or email. Unknown user, wrong password and disabled account are one answer.
 */
export async function signInBrowser(
  ctx: CoreContext,
  input: { identifier: string; password: string; meta: RequestMeta; replacing: SessionRecord | null },
): Promise<SessionRecord> {
  try {
    const { session } = await login(ctx, {
      username: input.identifier,
      password: input.password,
      clientId: null,
      scope: "",
      sessionTtlSeconds: ctx.settings.refreshTokenTtl,
      identifierMayBeEmail: true,
      meta: input.meta,
      door: "oidc_hosted",
    });
    // A new sign-in in the same browser (prompt=login, max_age) supersedes the old session.
    if (input.replacing) await revokeSession(ctx, input.replacing, "signed in again", input.meta.ip);
    return session;
  } catch (error) {
    if (isAuthError(error) && error.code === "account_disabled") throw new AuthError("invalid_credentials");
    throw error;
  }
}

const CSRF_CONTEXT = "csrf:";

/**
 * The hosted forms' CSRF token: a keyed MAC of a random value the browser holds in a cookie of
 * its own, so that a token fits that browser only and a page of another site can read neither.
 */
export const csrfToken = (ctx: CoreContext, browserNonce: string): string => ctx.secretHash(CSRF_CONTEXT + browserNonce);

export const csrfTokenMatches = (ctx: CoreContext, browserNonce: string | null, token: string | null): boolean =>
  browserNonce !== null && token !== null && browserNonce.length >= 32 && safeEqual(token, csrfToken(ctx, browserNonce));
