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
  withHeaders,
} from "../../http/schemas.js";

/** Lumen's envelope: `success`, `message` and `data`; a failure's `data` is an empty list. */
const success = (data: JsonSchema) => object({ success: { const: true }, message: { const: "Success." }, data });
const FAILURE = object({ success: { const: false }, message: STRING, data: { type: "array", maxItems: 0 } });
const failures = (statuses: readonly number[]): Responses =>
  forStatuses(statuses, (status) => json(`the failure envelope (HTTP ${status})`, FAILURE));

/** Laravel's validation answer, outside the envelope: each field with its messages. */
const VALIDATION = json("validation failed: each field with its messages", {
  type: "object",
  minProperties: 1,
  propertyNames: { enum: ["uid", "email", "password"] },
  additionalProperties: { type: "array", items: STRING, minItems: 1 },
});

const TOKEN = object({ access_token: STRING, token_type: { const: "bearer" }, expires_in: INTEGER });
const FIELDS = "Each field from the body or the query string.";
const BEARER = "The access token in `Authorization: Bearer`; the original server's too, with its secret configured.";
const withoutBody = [401, ...transportStatuses({ body: false })];

export const SCHEMAS = {
  register: {
    summary: "Register and log in",
    description: FIELDS,
    consumes: BODY_TYPES,
    body: stringFields(["uid", "email", "password"]),
    response: {
      200: json("the new account's token", success(TOKEN)),
      422: VALIDATION,
      ...failures(transportStatuses({ body: true })),
    },
  },
  login: {
    summary: "Log in",
    description: `${FIELDS} A wrong password, an unknown or a disabled account are all 404 \`Not found\`.`,
    consumes: BODY_TYPES,
    body: stringFields(["uid", "password"]),
    response: {
      200: json("the token", success(TOKEN)),
      422: VALIDATION,
      ...failures([404, ...transportStatuses({ body: true })]),
    },
  },
  refreshToken: {
    summary: "A new token for the presented one, which dies",
    description: `${BEARER} Within the refresh window counted from the first login.`,
    response: { 200: json("the new token", success(TOKEN)), ...failures(withoutBody) },
  },
  me: {
    summary: "The token's account",
    description: BEARER,
    response: { 200: json("the account", success(object({ uid: STRING, email: nullable(STRING) }))), ...failures(withoutBody) },
  },
  logout: {
    summary: "Log out: the token dies",
    description: BEARER,
    consumes: BODY_TYPES,
    response: {
      200: json("logged out", success({ type: "array", maxItems: 0 })),
      ...failures([401, ...transportStatuses({ body: true })]),
    },
  },
} satisfies Record<string, RouteSchema>;

/** Any other method on one of the paths above. */
export const OTHER_METHODS: RouteSchema = {
  summary: "Not a method of this path",
  response: {
    405: withHeaders(json("the failure envelope, `Method Not Allowed`", FAILURE), {
      allow: { type: "string", description: "the methods the path has" },
    }),
    ...failures([429, 500]),
  },
};
