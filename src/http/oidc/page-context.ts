import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Core } from "../../core/index.js";
import { type BrowserCookies, readCookie, setCookie } from "./cookies.js";
import type { PageContext } from "./html.js";
import { chooseLocale, translator } from "./i18n.js";

const CSRF_COOKIE_SECONDS = 86_400;

/**
 * The hosted pages' policy: no script at all, styles from our origin only, never framed
 * (clickjacking), no `<base>` and no plug-ins. No `form-action`: browsers apply it to the
 * redirect that follows a form, and ours lead to the client's redirect URI.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Where our routes live under the issuer (a reverse proxy may put them under a path). */
export const basePath = (issuer: string): string => new URL(issuer).pathname.replace(/\/+$/, "");

/** The browser's CSRF nonce; a new one (and its cookie) when it has none. */
function browserNonce(request: FastifyRequest, reply: FastifyReply, cookies: BrowserCookies): string {
  const existing = readCookie(request, cookies.csrf);
  if (existing !== null && existing.length >= 32) return existing;
  const fresh = randomBytes(32).toString("base64url");
  setCookie(reply, cookies, cookies.csrf, fresh, CSRF_COOKIE_SECONDS);
  return fresh;
}

/** Everything a page needs: language (`ui_locales`, then `Accept-Language`), messages, CSRF token. */
export function pageContext(
  core: Core,
  cookies: BrowserCookies,
  request: FastifyRequest,
  reply: FastifyReply,
  uiLocales: string | null,
): PageContext {
  const locale = chooseLocale(uiLocales, request.headers["accept-language"]);
  const csrfToken = core.csrfToken(browserNonce(request, reply, cookies));
  return { locale, t: translator(locale), base: basePath(core.settings.issuer), csrfToken };
}

/** Sends a page with its security headers. */
export const sendPage = (reply: FastifyReply, status: number, page: string) =>
  reply.code(status).header("content-type", "text/html; charset=utf-8").header("content-security-policy", PAGE_CSP).send(page);

/** The POSTed form's `csrf_token` must be the one made for this browser's nonce cookie. */
export function csrfValid(core: Core, cookies: BrowserCookies, request: FastifyRequest, body: Record<string, unknown>): boolean {
  const token = typeof body.csrf_token === "string" ? body.csrf_token : null;
  return core.csrfTokenMatches(readCookie(request, cookies.csrf), token);
}
