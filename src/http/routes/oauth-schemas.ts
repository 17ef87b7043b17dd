import {
  empty,
  FORM_ONLY,
  INTEGER,
  json,
  type JsonSchema,
  nativeErrors,
  object,
  type RouteSchema,
  STRING,
  stringFields,
  transportStatuses,
} from "../schemas.js";

/** Client authentication (RFC 6749 §2.3.1): HTTP Basic, or these two in the body, never both. */
const CLIENT_FIELDS = ["client_id", "client_secret"];
/** What every RFC endpoint may answer besides its success: its errors and the transport's. */
const OAUTH_ERRORS = nativeErrors([...new Set([400, 401, ...transportStatuses({ body: true })])].sort());

/**
 * The token endpoint: `extra` are the members the enabled dialects add to a response that
 * carries a user's tokens (from any grant but `authorization_code`).
 */
export function tokenSchema(extra: Record<string, JsonSchema>): RouteSchema {
  const standard = {
    access_token: STRING,
    token_type: { const: "Bearer" },
    expires_in: INTEGER,
    refresh_token: { type: "string", description: "opaque `id.secret`; rotated on every use" },
    scope: STRING,
    id_token: { type: "string", description: "OpenID Connect, when `openid` was granted" },
  };
  const optional = ["refresh_token", "scope", "id_token", ...Object.keys(extra)];
  return {
    tags: ["oauth"],
    summary: "Token endpoint (RFC 6749 §3.2)",
    description:
      "Grants `authorization_code` (PKCE), `password`, `refresh_token` (rotation with reuse detection) and " +
      "`client_credentials`. Client authentication by HTTP Basic or `client_id`/`client_secret` in the body.",
    consumes: FORM_ONLY,
    body: stringFields(
      ["grant_type", "scope", "username", "password", "refresh_token", "code", "redirect_uri", "code_verifier", ...CLIENT_FIELDS],
      ["grant_type"],
    ),
    response: {
      200: json("the tokens (RFC 6749 §5.1)", object({ ...standard, ...extra }, optional)),
      ...OAUTH_ERRORS,
    },
  };
}

const INACTIVE = object({ active: { const: false } });

const ACTIVE = object(
  {
    active: { const: true },
    token_type: { enum: ["Bearer", "refresh_token"] },
    exp: INTEGER,
    iat: INTEGER,
    nbf: INTEGER,
    jti: STRING,
    scope: STRING,
    client_id: STRING,
    username: STRING,
    sub: STRING,
    sid: STRING,
    iss: STRING,
  },
  ["nbf", "jti", "scope", "client_id", "username"],
);

export const INTROSPECT_SCHEMA: RouteSchema = {
  tags: ["oauth"],
  summary: "Token introspection (RFC 7662)",
  description: 'A confidential client asks whether an access or refresh token is active; anything else is `{"active":false}`.',
  consumes: FORM_ONLY,
  body: stringFields(["token", "token_type_hint", ...CLIENT_FIELDS], ["token"]),
  response: {
    200: json("the token's state (RFC 7662 §2.2)", { anyOf: [ACTIVE, INACTIVE] }),
    ...OAUTH_ERRORS,
  },
};

export const REVOKE_SCHEMA: RouteSchema = {
  tags: ["oauth"],
  summary: "Token revocation (RFC 7009)",
  description: "Revokes the whole session the token belongs to; an unknown token is 200 as well.",
  consumes: FORM_ONLY,
  body: stringFields(["token", "token_type_hint", ...CLIENT_FIELDS], ["token"]),
  response: { 200: empty("revoked, or not a token of ours (RFC 7009 §2.2)"), ...OAUTH_ERRORS },
};
