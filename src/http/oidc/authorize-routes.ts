import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { afterSignIn, type AuthorizationParams, type AuthorizationRequest, type Core, isAuthError } from "../../core/index.js";
import { asRecord } from "../fields.js";
import { requestMeta } from "../request-meta.js";
import { type BrowserCookies, browserCookieNames, readCookie, setCookie } from "./cookies.js";
import type { MessageKey } from "./i18n.js";
import { basePath, csrfValid, pageContext, sendPage } from "./page-context.js";
import { type Carried, consentPage, errorPage, signInPage } from "./pages.js";
import { parseParams, queryOf, queryString } from "./params.js";
import { AUTHORIZE_SCHEMA, CONSENT_SCHEMA, SIGN_IN_SCHEMA } from "./schemas.js";

/** Where a request goes next once the browser's session changed: back to the endpoint. */
const authorizeAgain = (base: string, values: Readonly<Record<string, string>>) =>
  `${base}/oauth/authorize?${queryString(values)}`;

export type HostedContext = { core: Core; cookies: BrowserCookies; base: string };

/** What our forms carry: the request's query string, and the client's name for the page. */
export const carriedOf = (request: AuthorizationRequest): Carried => ({
  query: queryStringOf(request),
  clientName: request.client.name ?? request.client.id,
});

// The request is carried as the parameters it came with, rebuilt from its checked form.
function queryStringOf(request: AuthorizationRequest): string {
  const values: Record<string, string> = {
    response_type: "code",
    client_id: request.client.id,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
  };
  const optional = { state: request.state, nonce: request.nonce, login_hint: request.loginHint, ui_locales: request.uiLocales };
  for (const [name, value] of Object.entries(optional)) if (value !== null) values[name] = value;
  if (request.prompt.size > 0) values.prompt = [...request.prompt].join(" ");
  if (request.maxAge !== null) values.max_age = String(request.maxAge);
  return queryString(values);
}

/**
 * Runs the authorization endpoint's decision for the browser and answers it: an error page, a
 * redirect, or the sign-in or consent page. `error` is shown on the sign-in page.
 */
export async function serveAuthorization(
  hosted: HostedContext,
  request: FastifyRequest,
  reply: FastifyReply,
  params: AuthorizationParams,
  step: { consent?: "allow" | "deny"; signInError?: MessageKey; status?: number } = {},
): Promise<FastifyReply> {
  const { core, cookies } = hosted;
  const browser = await core.browserSession(readCookie(request, cookies.session));
  const consent = step.consent ? { consent: step.consent } : {};
  const outcome = await core.authorize(params, browser, consent, requestMeta(request));
  const page = (uiLocales: string | null) => pageContext(core, cookies, request, reply, uiLocales);
  switch (outcome.kind) {
    case "error_page":
      return sendPage(reply, 400, errorPage(page(params.values.ui_locales ?? null), outcome.description));
    case "redirect":
      // 303 after a form, so that the browser follows with a GET.
      return reply
        .code(request.method === "POST" ? 303 : 302)
        .header("location", outcome.location)
        .send();
    case "sign_in": {
      const context = page(outcome.request.uiLocales);
      const error = step.signInError ? context.t(step.signInError) : null;
      // A refused sign-in does not echo the name it was sent: the answer for an existing and an
      // unknown account must be the same bytes (security S8, S10), so only `login_hint` fills it.
      const html = signInPage(context, carriedOf(outcome.request), { loginHint: outcome.request.loginHint, error });
      return sendPage(reply, step.status ?? 200, html);
    }
    case "consent": {
      const context = page(outcome.request.uiLocales);
      const scopes = outcome.request.scope.split(" ").filter((word) => word.length > 0);
      const username = outcome.session.username ?? "";
      return sendPage(reply, step.status ?? 200, consentPage(context, carriedOf(outcome.request), { scopes, username }));
    }
  }
}

/** The message for a refused sign-in: one for every wrong credential (no enumeration). */
export function signInFailure(error: unknown): { key: MessageKey; status: number } {
  if (!isAuthError(error)) throw error;
  if (error.code === "invalid_credentials" || error.code === "account_disabled") return { key: "wrongCredentials", status: 401 };
  if (error.code === "rate_limited") return { key: "tooManyAttempts", status: 429 };
  if (error.code === "service_unavailable") return { key: "unavailable", status: 503 };
  throw error;
}

/** The form's body and the authorization request it carries. */
export function formOf(request: FastifyRequest): { body: Record<string, unknown>; params: AuthorizationParams } {
  const body = asRecord(request.body) ?? {};
  const carried = typeof body.request === "string" ? body.request : "";
  return { body, params: parseParams(carried) };
}

/** Opens the browser's session cookie for a session just signed in to, and sends it on. */
export async function continueSignedIn(
  hosted: HostedContext,
  reply: FastifyReply,
  session: { id: string; expiresAt: number },
  params: AuthorizationParams,
): Promise<FastifyReply> {
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  setCookie(reply, hosted.cookies, hosted.cookies.session, hosted.core.browserCookieValue(session), maxAge);
  return reply
    .code(303)
    .header("location", authorizeAgain(hosted.base, afterSignIn(params.values)))
    .send();
}

/** A form whose CSRF token does not fit this browser: shown again, nothing done. */
export const expiredForm = (hosted: HostedContext, request: FastifyRequest, reply: FastifyReply, params: AuthorizationParams) =>
  serveAuthorization(hosted, request, reply, params, { signInError: "formExpired", status: 403 });

export const hostedContext = (core: Core): HostedContext => ({
  core,
  cookies: browserCookieNames(core.settings.issuer),
  base: basePath(core.settings.issuer),
});

/** The authorization endpoint and the sign-in and consent forms it shows. */
export async function authorizeRoutes(app: FastifyInstance, hosted: HostedContext): Promise<void> {
  const { core } = hosted;

  app.get("/oauth/authorize", { schema: AUTHORIZE_SCHEMA }, (request, reply) =>
    serveAuthorization(hosted, request, reply, parseParams(queryOf(request.url))),
  );

  app.post("/oauth/authorize/sign-in", { schema: SIGN_IN_SCHEMA }, async (request, reply) => {
    const { body, params } = formOf(request);
    if (!csrfValid(core, hosted.cookies, request, body)) return expiredForm(hosted, request, reply, params);
    const identifier = typeof body.username === "string" ? body.username : "";
    const password = typeof body.password === "string" ? body.password : "";
    const previous = await core.browserSession(readCookie(request, hosted.cookies.session));
    try {
      const session = await core.signInBrowser({ identifier, password, meta: requestMeta(request), replacing: previous });
      return await continueSignedIn(hosted, reply, session, params);
    } catch (error) {
      const failure = signInFailure(error);
      return serveAuthorization(hosted, request, reply, params, { signInError: failure.key, status: failure.status });
    }
  });

  app.post("/oauth/authorize/consent", { schema: CONSENT_SCHEMA }, async (request, reply) => {
    const { body, params } = formOf(request);
    if (!csrfValid(core, hosted.cookies, request, body)) return expiredForm(hosted, request, reply, params);
    const consent = body.decision === "allow" ? "allow" : "deny";
    return serveAuthorization(hosted, request, reply, params, { consent });
  });
}
