import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LogoutParams } from "../../core/index.js";
import { asRecord } from "../fields.js";
import { readCookie, setCookie } from "./cookies.js";
import type { HostedContext } from "./authorize-routes.js";
import { csrfValid, pageContext, sendPage } from "./page-context.js";
import { errorPage, logoutConfirmPage, signedOutPage } from "./pages.js";
import { parseParams, queryOf } from "./params.js";
import { LOGOUT_FORM_SCHEMA, LOGOUT_SCHEMA } from "./schemas.js";

const paramsOf = (values: Readonly<Record<string, string>>): LogoutParams => ({
  idTokenHint: values.id_token_hint ?? null,
  clientId: values.client_id ?? null,
  postLogoutRedirectUri: values.post_logout_redirect_uri ?? null,
  state: values.state ?? null,
});

/** The parameters a confirmation form carries back (the hint stays behind: it is not needed). */
function carriedFields(params: LogoutParams): Record<string, string> {
  const fields: Record<string, string> = {};
  if (params.clientId) fields.client_id = params.clientId;
  if (params.postLogoutRedirectUri) fields.post_logout_redirect_uri = params.postLogoutRedirectUri;
  if (params.state) fields.state = params.state;
  return fields;
}

/** OpenID Connect RP-Initiated Logout 1.0 at `/oauth/logout`: GET from the client, POST from our confirmation. */
export async function logoutRoutes(app: FastifyInstance, hosted: HostedContext): Promise<void> {
  const { core, cookies } = hosted;
  const serve = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Readonly<Record<string, string>>,
    confirmed: boolean,
  ) => {
    const params = paramsOf(values);
    const browser = await core.browserSession(readCookie(request, cookies.session));
    const outcome = await core.endSession(params, browser, { confirmed, ip: request.ip });
    const page = pageContext(core, cookies, request, reply, values.ui_locales ?? null);
    if (outcome.kind === "error_page") return sendPage(reply, 400, errorPage(page, outcome.description));
    if (outcome.kind === "confirm") return sendPage(reply, 200, logoutConfirmPage(page, carriedFields(params)));
    setCookie(reply, cookies, cookies.session, "", 0);
    if (outcome.location) return reply.code(303).header("location", outcome.location).send();
    return sendPage(reply, 200, signedOutPage(page));
  };

  app.get("/oauth/logout", { schema: LOGOUT_SCHEMA }, (request, reply) =>
    serve(request, reply, parseParams(queryOf(request.url)).values, false),
  );
  app.post("/oauth/logout", { schema: LOGOUT_FORM_SCHEMA }, async (request, reply) => {
    const body = asRecord(request.body) ?? {};
    const values = Object.fromEntries(
      Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    // Only our own confirmation form may end a session by POST without a hint.
    const confirmed = values.confirm === "yes" && csrfValid(core, cookies, request, body);
    return serve(request, reply, values, confirmed);
  });
}
