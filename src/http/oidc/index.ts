import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Core } from "../../core/index.js";
import { STATUS, toErrorCode } from "../problems.js";
import { renderOAuthError } from "../routes/oauth.js";
import { authorizeRoutes, type HostedContext, hostedContext } from "./authorize-routes.js";

import { logoutRoutes } from "./logout-routes.js";
import { pageContext, sendPage } from "./page-context.js";
import { errorPage } from "./pages.js";
import { resetRoutes } from "./reset-routes.js";
import { signUpRoutes } from "./sign-up-routes.js";
import { STYLESHEET } from "./stylesheet.js";
import { userInfoRoutes } from "./userinfo-routes.js";
import { STYLESHEET_SCHEMA } from "./schemas.js";

/** Anything that goes wrong on a page is answered as a page, in the user's language. */
function renderPageError(hosted: HostedContext, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { code } = toErrorCode(error, request.log);
  const page = pageContext(hosted.core, hosted.cookies, request, reply, null);
  const message =
    code === "rate_limited" ? page.t("tooManyAttempts") : code === "service_unavailable" ? page.t("unavailable") : code;
  return sendPage(reply, STATUS[code], errorPage(page, message));
}

/**
 * OpenID Connect: the authorization endpoint with its hosted pages (sign in, sign up, consent,
 * logout), as HTML; and the UserInfo endpoint, as JSON.
 */
export async function openIdRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const hosted = hostedContext(core);
  await app.register(async (pages) => {
    pages.setErrorHandler((error, request, reply) => renderPageError(hosted, error, request, reply));
    pages.get("/oauth/assets/gatehouse.css", { schema: STYLESHEET_SCHEMA }, (_request, reply) =>
      reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(STYLESHEET),
    );
    await authorizeRoutes(pages, hosted);
    await signUpRoutes(pages, hosted);
    await logoutRoutes(pages, hosted);
    await resetRoutes(pages, hosted);
  });
  await app.register(async (api) => {
    api.setErrorHandler((error, request, reply) => renderOAuthError(error, request, reply));
    await userInfoRoutes(api, { core });
  });
}
