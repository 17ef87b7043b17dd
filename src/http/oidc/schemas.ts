import {
  BOOLEAN,
  BODY_TYPES,
  empty,
  forStatuses,
  INTEGER,
  json,
  type JsonSchema,
  media,
  nativeErrors,
  object,
  redirect,
  type Responses,
  type RouteSchema,
  STRING,
  stringFields,
  transportStatuses,
  withHeaders,
} from "../schemas.js";

const TAG = ["openid-connect"];
const PAGE = "text/html";

/**
 * A hosted page's answers: the page itself, the redirect it may send instead, and the error
 * page, in the user's language, for each status it may show (a form's refusal, a request that
 * cannot be read, the rate limit, the database away).
 */
function pageAnswers(page: string, redirects: Record<number, string>, errors: readonly number[]): Responses {
  const answers: Responses = { 200: media(page, PAGE) };
  for (const [status, description] of Object.entries(redirects)) answers[Number(status)] = redirect(description);
  const statuses = [...new Set([...errors, 400, ...transportStatuses({ body: false })])].sort();
  return { ...answers, ...forStatuses(statuses, () => media("an error page, or the form again with what went wrong", PAGE)) };
}

/** What a form that POSTs to a hosted page may be refused with, besides the transport's. */
const FORM_ERRORS = [...transportStatuses({ body: true }), 401, 403, 409];
const TO_CLIENT = "to the client's redirect URI with a code or an error (RFC 6749 §4.1.2)";
const BACK_TO_AUTHORIZE = "signed in: back to the authorization endpoint, or on to the client";

export const AUTHORIZATION_PARAMS = stringFields(
  [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
    "ui_locales",
    "response_mode",
  ],
  ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method"],
);

/** Every form of ours carries the authorization request it belongs to and a CSRF token. */
const form = (fields: readonly string[], others: Record<string, JsonSchema> = {}) =>
  withProperties(stringFields(["request", "csrf_token", ...fields], ["request", "csrf_token"]), others);

/** `schema` with these members added or replaced. */
const withProperties = (schema: JsonSchema, properties: Record<string, JsonSchema>): JsonSchema => ({
  ...schema,
  properties: { ...(schema.properties as Record<string, JsonSchema>), ...properties },
});

export const STYLESHEET_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The hosted pages' stylesheet",
  response: { 200: media("the stylesheet", "text/css"), ...forStatuses([429, 500], () => media("an error page", PAGE)) },
};

export const AUTHORIZE_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "Authorization endpoint (OpenID Connect Core §3.1.2, RFC 6749 §4.1)",
  description: "`response_type=code` with PKCE `S256`; shows the sign-in or consent page as needed.",
  querystring: AUTHORIZATION_PARAMS,
  response: pageAnswers("the sign-in or consent page", { 302: TO_CLIENT }, []),
};

export const SIGN_IN_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The sign-in form",
  consumes: [BODY_TYPES[1] as string],
  body: form(["username", "password"]),
  response: pageAnswers("the page that comes next (consent)", { 303: BACK_TO_AUTHORIZE }, FORM_ERRORS),
};

export const CONSENT_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The consent form",
  consumes: [BODY_TYPES[1] as string],
  body: form([], { decision: { enum: ["allow", "deny"] } }),
  response: pageAnswers("the consent page again", { 303: TO_CLIENT }, FORM_ERRORS),
};

export const SIGN_UP_PAGE_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The sign-up page for an authorization request",
  querystring: AUTHORIZATION_PARAMS,
  response: pageAnswers("the sign-up page", { 302: TO_CLIENT }, []),
};

export const SIGN_UP_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The sign-up form: registers and signs in",
  consumes: [BODY_TYPES[1] as string],
  body: form(["username", "password", "email"]),
  response: pageAnswers("the sign-up page again", { 303: BACK_TO_AUTHORIZE }, FORM_ERRORS),
};

const LOGOUT_PARAMS = stringFields(["id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales"], []);

export const LOGOUT_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "RP-Initiated Logout 1.0",
  querystring: LOGOUT_PARAMS,
  response: pageAnswers("the confirmation or signed-out page", { 303: "signed out: to the client's post-logout URI" }, []),
};

export const LOGOUT_FORM_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "RP-Initiated Logout 1.0, and the confirmation form",
  consumes: [...BODY_TYPES],
  body: withProperties(LOGOUT_PARAMS, { confirm: { const: "yes" }, csrf_token: STRING }),
  response: pageAnswers(
    "the confirmation or signed-out page",
    { 303: "signed out: to the client's post-logout URI" },
    transportStatuses({ body: true }),
  ),
};

const CLAIMS = object(
  { sub: STRING, name: STRING, preferred_username: STRING, updated_at: INTEGER, email: STRING, email_verified: BOOLEAN },
  ["name", "preferred_username", "updated_at", "email", "email_verified"],
);
const CHALLENGE = { "www-authenticate": { type: "string", description: "`Bearer` with the error (RFC 6750 §3)" } };
const bearerError = (codes: string[], description: string): JsonSchema =>
  withHeaders(json(description, object({ error: { enum: codes }, error_description: STRING })), CHALLENGE);

/** UserInfo by GET or POST; `body` for the POST. */
export function userInfoSchema(body: boolean): RouteSchema {
  return {
    tags: TAG,
    summary: "UserInfo (OpenID Connect Core §5.3)",
    description: "The claims the bearer access token's scopes allow; the token from `Authorization: Bearer` only.",
    response: {
      200: json("the user's claims", CLAIMS),
      ...nativeErrors(transportStatuses({ body })),
      401: bearerError(["invalid_token"], "no token, or not an active access token of a user"),
      403: bearerError(["insufficient_scope"], "the token was not granted `openid`"),
    },
  };
}

export const USERINFO_PREFLIGHT_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "CORS preflight for UserInfo",
  response: {
    204: empty("the methods and headers a page of any origin may use", {
      "access-control-allow-methods": STRING,
      "access-control-allow-headers": STRING,
    }),
    ...nativeErrors([429, 500]),
  },
};

export const RESET_PAGE_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The hosted password reset page",
  description:
    "Without an identifier, the form for the account's email or username; with `email` or `username` (the " +
    "mail's link), the form for the code and the new password. `request` is the authorization request to go back to.",
  querystring: stringFields(["email", "username", "request"], []),
  response: pageAnswers("the reset page", {}, []),
};

/** The reset forms carry a CSRF token and may carry the authorization request they came from. */
const resetForm = (fields: readonly string[]) => stringFields(["csrf_token", "request", ...fields], ["csrf_token"]);

export const RESET_REQUEST_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The reset page's first form: mails a code",
  description: "The same page (a code was sent if the account exists) whether or not the account exists.",
  consumes: [BODY_TYPES[1] as string],
  body: resetForm(["identifier"]),
  response: pageAnswers("the form for the code and the new password", {}, FORM_ERRORS),
};

export const RESET_CONFIRM_SCHEMA: RouteSchema = {
  tags: TAG,
  summary: "The reset page's second form: sets the new password",
  consumes: [BODY_TYPES[1] as string],
  body: resetForm(["identifier", "code", "new_password", "new_password_confirm"]),
  response: pageAnswers("the password is changed, or the form again with what went wrong", {}, FORM_ERRORS),
};
