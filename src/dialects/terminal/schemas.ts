import {
  BODY_TYPES,
  forStatuses,
  json,
  object,
  type RouteSchema,
  STRING,
  stringFields,
  transportStatuses,
} from "../../http/schemas.js";

/** Every answer is `{"message": ...}`; a login's adds the token. */
const OK = json("done", object({ message: { const: "ok" } }));
const MESSAGE = object({ message: STRING });
const REFUSALS = {
  ...forStatuses(transportStatuses({ body: true }), () => json("what went wrong", MESSAGE)),
  401: json("refused: a missing field, wrong credentials, a taken name, a password the policy refuses, a bad token", MESSAGE),
};

const route = (summary: string, fields: readonly string[], schema: RouteSchema = {}): RouteSchema => ({
  summary,
  consumes: BODY_TYPES,
  body: stringFields(fields),
  response: { 200: OK, ...REFUSALS },
  ...schema,
});

export const SCHEMAS = {
  register: route("Register", ["username", "password"]),
  unregister: route("Delete one's own account (with its password)", ["username", "password"]),
  login: route("Log in on a terminal (device); the session policy applies per terminal", ["username", "password", "terminal"], {
    response: { 200: json("the access token", object({ message: { const: "ok" }, token: STRING })), ...REFUSALS },
  }),
  password: route("Change one's password; other sessions end", ["username", "oldPassword", "newPassword"]),
  logout: route("Log out: the token's session ends", ["username"], {
    description: "The access token in the `token` header; `username` must name its account.",
    headers: { type: "object", required: ["token"], properties: { token: STRING } },
  }),
} satisfies Record<string, RouteSchema>;
