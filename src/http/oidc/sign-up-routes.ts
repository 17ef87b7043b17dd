import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type AuthorizationParams, type ErrorCode, isAuthError } from "../../core/index.js";
import { requestMeta } from "../request-meta.js";
import { readCookie } from "./cookies.js";
import {
  carriedOf,
  continueSignedIn,
  formOf,
  type HostedContext,
  serveAuthorization,
  signInFailure,
} from "./authorize-routes.js";
import type { MessageKey } from "./i18n.js";
import { csrfValid, pageContext, sendPage } from "./page-context.js";
import { signUpPage } from "./pages.js";
import { parseParams, queryOf } from "./params.js";
import { SIGN_UP_PAGE_SCHEMA, SIGN_UP_SCHEMA } from "./schemas.js";

/** The registration refusals the sign-up page explains, each in the user's language. */
const SIGN_UP_ERRORS: readonly ErrorCode[] = [
  "username_taken",
  "username_invalid",
  "email_taken",
  "email_invalid",
  "password_too_short",
  "password_too_long",
  "password_too_common",
  "password_invalid",
];

type Entered = { username: string; email: string; error: MessageKey | null; status: number };

/**
 * The sign-up page for an authorization request: shown only for a request that could be
 * signed in to (anything else gets what the endpoint itself would answer).
 */
async function showSignUp(
  hosted: HostedContext,
  request: FastifyRequest,
  reply: FastifyReply,
  params: AuthorizationParams,
  entered: Entered,
): Promise<FastifyReply> {
  const outcome = await hosted.core.authorize(params, null, {}, requestMeta(request));
  if (outcome.kind !== "sign_in") return serveAuthorization(hosted, request, reply, params);
  const page = pageContext(hosted.core, hosted.cookies, request, reply, outcome.request.uiLocales);
  const error = entered.error ? page.t(entered.error) : null;
  const html = signUpPage(page, carriedOf(outcome.request), { username: entered.username, email: entered.email, error });
  return sendPage(reply, entered.status, html);
}

/** `GET` shows the sign-up page; `POST` registers (the same rules as every registration) and signs in. */
export async function signUpRoutes(app: FastifyInstance, hosted: HostedContext): Promise<void> {
  const { core } = hosted;
  const blank: Entered = { username: "", email: "", error: null, status: 200 };
  app.get("/oauth/authorize/sign-up", { schema: SIGN_UP_PAGE_SCHEMA }, (request, reply) =>
    showSignUp(hosted, request, reply, parseParams(queryOf(request.url)), blank),
  );

  app.post("/oauth/authorize/sign-up", { schema: SIGN_UP_SCHEMA }, async (request, reply) => {
    const { body, params } = formOf(request);
    const text = (name: string) => (typeof body[name] === "string" ? (body[name] as string) : "");
    const entered = { username: text("username").slice(0, 200), email: text("email").slice(0, 320) };
    if (!csrfValid(core, hosted.cookies, request, body)) {
      return showSignUp(hosted, request, reply, params, { ...entered, error: "formExpired", status: 403 });
    }
    const password = text("password");
    try {
      await core.register({ username: entered.username, password, email: entered.email || null, ip: request.ip });
    } catch (error) {
      if (!isAuthError(error) || !SIGN_UP_ERRORS.includes(error.code)) throw error;
      const status = error.code.endsWith("_taken") ? 409 : 400;
      return showSignUp(hosted, request, reply, params, { ...entered, error: error.code as MessageKey, status });
    }
    const previous = await core.browserSession(readCookie(request, hosted.cookies.session));
    try {
      const session = await core.signInBrowser({
        identifier: entered.username,
        password,
        meta: requestMeta(request),
        replacing: previous,
      });
      return await continueSignedIn(hosted, reply, session, params);
    } catch (error) {
      const failure = signInFailure(error);
      return serveAuthorization(hosted, request, reply, params, { signInError: failure.key, status: failure.status });
    }
  });
}
