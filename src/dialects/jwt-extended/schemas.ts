import {
  BODY_TYPES,
  BOOLEAN,
  forStatuses,
  INTEGER,
  json,
  type JsonSchema,
  nullable,
  object,
  type RouteSchema,
  STRING,
  stringFields,
  transportStatuses,
} from "../../http/schemas.js";
import { TOKEN_MESSAGES } from "./errors.js";

/** The original's envelope: `code` 0 with `data`, or 1 with `data: null` and the refusal in `msg`. */
const ok = (data: JsonSchema) => object({ code: { const: 0 }, data, msg: STRING });
const FAIL = object({ code: { const: 1 }, data: { type: "null" }, msg: STRING });

/** A business outcome is HTTP 200 either way; a request that cannot be read keeps its status. */
const answers = (data: JsonSchema, success: string): Record<number, JsonSchema> => ({
  200: json(`${success}, or a refusal in the envelope (\`code: 1\`)`, { anyOf: [ok(data), FAIL] }),
  ...forStatuses(transportStatuses({ body: true }), () => json("the envelope with `code: 1`", FAIL)),
});

/** A token problem, answered outside the envelope as flask-jwt-extended does. */
const TOKEN_PROBLEM = object({ msg: { enum: Object.values(TOKEN_MESSAGES) } });
const tokenProblems = forStatuses([401, 422], (status) =>
  json(status === 401 ? "no token, or an expired or revoked one" : "a malformed token, or the wrong kind", TOKEN_PROBLEM),
);

const NAMED = (kind: "role" | "permission") =>
  object({ [`${kind}_id`]: INTEGER, [`${kind}_name`]: STRING, description: nullable(STRING) });
const DATE = nullable({ type: "string", description: "`YYYY-MM-DD HH:MM:SS`, UTC" });
const USER = object({
  user_id: STRING,
  username: STRING,
  email: nullable(STRING),
  phone: nullable(STRING),
  faceInfo: { description: "the account's `faceInfo` attribute, as stored; `null` without one" },
  status: BOOLEAN,
  created_at: DATE,
  updated_at: DATE,
  last_login: DATE,
});
const LOGIN = object({
  access_token: STRING,
  refresh_token: STRING,
  payload: object({
    permissions: { type: "array", items: NAMED("permission") },
    role: { type: "array", items: NAMED("role") },
    user: USER,
  }),
});

const CREDENTIALS = stringFields(["username", "password"]);
const BEARER = "The token in `Authorization: Bearer <JWT>`.";
const route = (summary: string, schema: RouteSchema): RouteSchema => ({ summary, consumes: BODY_TYPES, ...schema });

export const SCHEMAS = {
  register: route("Register", {
    body: stringFields(["username", "password", "email"], ["username", "password"]),
    response: answers({ type: "null" }, "registered"),
  }),
  login: route("Log in: an access and a refresh token, with the account's roles and permissions", {
    body: CREDENTIALS,
    response: answers(LOGIN, "the tokens"),
  }),
  refresh: route("A new access token for a refresh token (not rotated)", {
    description: `${BEARER} A refresh token; the original server's too, with its secret configured.`,
    response: { ...answers(object({ access_token: STRING }), "the new access token"), ...tokenProblems },
  }),
  logout: route("Log out: the token's session ends", {
    description: `${BEARER} An access or refresh token.`,
    response: { ...answers({ type: "null" }, "logged out"), ...tokenProblems },
  }),
} satisfies Record<string, RouteSchema>;
