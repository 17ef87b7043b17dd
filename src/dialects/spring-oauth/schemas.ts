import {
  BODY_TYPES,
  forStatuses,
  INTEGER,
  json,
  type JsonSchema,
  nullable,
  object,
  type Responses,
  type RouteSchema,
  STRING,
  stringFields,
  transportStatuses,
} from "../../http/schemas.js";

/** The account's members, in `/oauth/login`'s data and the standard `/oauth/token` response. */
export const ACCOUNT = {
  id: { type: "string", description: "the login name" },
  email: nullable(STRING),
  username: { type: "string", description: "the display name (the login name without one)" },
};

/** The envelope: `code` 200 with `data`, or 400 with `data: null` and the refusal, both HTTP 200. */
const ok = (data: JsonSchema) => object({ code: { const: 200 }, message: STRING, data });
const REFUSED = object({ code: { const: 400 }, message: STRING, data: { type: "null" } });
const outcome = (data: JsonSchema, success: string): JsonSchema =>
  json(`${success}, or a refusal in the envelope (\`code: 400\`)`, { anyOf: [ok(data), REFUSED] });

/** A request that cannot be served keeps its HTTP status, repeated as the envelope's `code`. */
const failed = (status: number) => object({ code: { const: status }, message: STRING, data: { type: "null" } });
const transport = (body: boolean): Responses =>
  forStatuses(transportStatuses({ body }), (status) => json("the envelope with the HTTP status as `code`", failed(status)));

/** Spring Security OAuth2's own error body, outside the envelope. */
const springError = (error: string) => object({ error: { const: error }, error_description: STRING });

const LOGIN = object({
  access_token: STRING,
  token_type: { const: "bearer" },
  refresh_token: STRING,
  expires_in: INTEGER,
  scope: { const: "all" },
  ...ACCOUNT,
});

const CHECKED = object(
  {
    user_name: { type: "string", description: "the display name, as Spring named it" },
    ...ACCOUNT,
    scope: { type: "array", items: STRING },
    active: { const: true },
    exp: INTEGER,
    client_id: nullable(STRING),
  },
  ["user_name", "id", "email", "username"],
);

const FIELDS = "Each field from the body or the query string.";
const post = (summary: string, fields: readonly string[], response: Responses): RouteSchema => ({
  summary,
  description: FIELDS,
  consumes: BODY_TYPES,
  body: stringFields(fields),
  response: { ...response, ...transport(true) },
});

const checkToken = (body: boolean): RouteSchema => ({
  summary: "Check an access token (Spring's `CheckTokenEndpoint`)",
  description:
    `${FIELDS} Unless \`SPRING_CHECK_TOKEN_OPEN\`, the calling client authenticates with HTTP Basic or ` +
    "`client_id`/`client_secret` in the body.",
  ...(body ? { consumes: BODY_TYPES, body: stringFields(["token", "client_id", "client_secret"], ["token"]) } : {}),
  querystring: stringFields(["token"], []),
  response: {
    200: json("the token's account and scope, or a refusal in the envelope (`code: 400`)", { anyOf: [CHECKED, REFUSED] }),
    ...transport(body),
    400: json(
      "not an active access token: `Token was not recognised` or `Token has expired`" +
        (body ? "; or a body that cannot be read, in the envelope" : ""),
      body ? { anyOf: [springError("invalid_token"), failed(400)] } : springError("invalid_token"),
    ),
    401: json("the client did not authenticate", springError("unauthorized")),
  },
});

const removeToken = (body: boolean): RouteSchema => ({
  summary: "Log out: the access token's session ends",
  description: FIELDS,
  ...(body ? { consumes: BODY_TYPES, body: stringFields(["access_token"]) } : {}),
  querystring: stringFields(["access_token"], []),
  response: { 200: outcome({ type: "null" }, "logged out"), ...transport(body) },
});

export const SCHEMAS = {
  sendCode: post("Mail a registration code", ["email"], { 200: outcome({ type: "null" }, "sent") }),
  checkUserId: post("Whether a login name is free", ["id"], { 200: outcome({ type: "null" }, "free") }),
  register: post("Register with a mailed code", ["id", "username", "password", "email", "code"], {
    200: outcome({ type: "null" }, "registered"),
  }),
  login: post("Log in by login name or email", ["id", "password"], { 200: outcome(LOGIN, "the tokens and the account") }),
  checkTokenGet: checkToken(false),
  checkTokenPost: checkToken(true),
  removeTokenGet: removeToken(false),
  removeTokenPost: removeToken(true),
} satisfies Record<string, RouteSchema>;
