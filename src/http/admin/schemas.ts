import {
  BOOLEAN,
  empty,
  INTEGER,
  type JsonSchema,
  json,
  nativeErrors,
  nullable,
  NULL,
  object,
  type Responses,
  type RouteSchema,
  STRING,
  transportStatuses,
  withHeaders,
} from "../schemas.js";

/** The admin API's schemas (docs/admin-api.md), in the shapes of wire.ts. */

const TIME = { type: "string", format: "date-time" } as const;
const NULLABLE_STRING = nullable(STRING);
const STRINGS = { type: "array", items: STRING } as const;
const STATUS = { type: "string", enum: ["active", "disabled"] } as const;

const USER_MEMBERS = {
  id: STRING,
  username: STRING,
  email: NULLABLE_STRING,
  email_verified: BOOLEAN,
  phone: NULLABLE_STRING,
  display_name: NULLABLE_STRING,
  attributes: { type: "object" },
  status: STATUS,
  created_at: TIME,
  updated_at: TIME,
  last_login_at: nullable(TIME),
};

export const USER = object(USER_MEMBERS);
export const USER_DETAIL = object({ ...USER_MEMBERS, roles: STRINGS });

export const SESSION = object({
  id: STRING,
  client_id: NULLABLE_STRING,
  terminal: NULLABLE_STRING,
  ip: NULLABLE_STRING,
  user_agent: NULLABLE_STRING,
  created_at: TIME,
  last_used_at: TIME,
  expires_at: TIME,
});

export const ROLE = object({ name: STRING, description: NULLABLE_STRING, permissions: STRINGS });
export const PERMISSION = object({ name: STRING, description: NULLABLE_STRING });

const CLIENT_MEMBERS = {
  client_id: STRING,
  name: NULLABLE_STRING,
  public: BOOLEAN,
  grants: STRINGS,
  scopes: STRINGS,
  redirect_uris: STRINGS,
  post_logout_redirect_uris: STRINGS,
  token_endpoint_auth_method: { type: "string", enum: ["client_secret_basic", "client_secret_post", "none"] },
  first_party: BOOLEAN,
  access_token_ttl: nullable(INTEGER),
  refresh_token_ttl: nullable(INTEGER),
  created_at: TIME,
};

export const CLIENT = object(CLIENT_MEMBERS);
/** A client as its creation answers it: with its generated secret, once, unless it is public. */
export const CREATED_CLIENT = object({ ...CLIENT_MEMBERS, client_secret: STRING }, ["client_secret"]);
export const CLIENT_SECRET = object({ client_id: STRING, client_secret: STRING });

export const KEYS = object({
  alg: STRING,
  items: {
    type: "array",
    items: object({
      kid: STRING,
      alg: STRING,
      created_at: TIME,
      state: { type: "string", enum: ["current", "published", "retired"] },
      retires_at: nullable(TIME),
    }),
  },
});

export const ROTATED_KEY = object({
  kid: STRING,
  alg: STRING,
  created_at: TIME,
  adopted_within_seconds: { type: "number" },
  previous_retire_at: TIME,
});

export const AUDIT_RECORD = object({
  id: STRING,
  at: TIME,
  event: STRING,
  outcome: { type: "string", enum: ["success", "failure"] },
  user_id: NULLABLE_STRING,
  client_id: NULLABLE_STRING,
  ip: NULLABLE_STRING,
  detail: NULLABLE_STRING,
  actor: NULLABLE_STRING,
});

const COUNT = { type: "integer", minimum: 0 } as const;

export const STATS = object({
  users: object({ active: COUNT, disabled: COUNT, total: COUNT }),
  live_sessions: COUNT,
  clients: COUNT,
  logins_24h: object({ succeeded: COUNT, failed: COUNT }),
});

/** A keyset page: the items and the cursor of the next page, `null` on the last. */
export const page = (item: JsonSchema): JsonSchema =>
  object({ items: { type: "array", items: item }, next_cursor: NULLABLE_STRING });
export const list = (item: JsonSchema): JsonSchema => object({ items: { type: "array", items: item } });

/** Request bodies. */
export const NEW_USER = object(
  {
    username: STRING,
    email: NULLABLE_STRING,
    password: NULLABLE_STRING,
    display_name: NULLABLE_STRING,
    phone: NULLABLE_STRING,
    roles: STRINGS,
    status: STATUS,
  },
  ["email", "password", "display_name", "phone", "roles", "status"],
);
export const USER_CHANGES = object(
  {
    email: NULLABLE_STRING,
    email_verified: BOOLEAN,
    phone: NULLABLE_STRING,
    display_name: NULLABLE_STRING,
    attributes: { type: "object" },
    status: STATUS,
  },
  ["email", "email_verified", "phone", "display_name", "attributes", "status"],
);
export const NAMED = object({ name: STRING, description: NULLABLE_STRING }, ["description"]);
export const DESCRIPTION = object({ description: NULLABLE_STRING }, ["description"]);
export const PASSWORD = object({ password: STRING });
const CLIENT_SETTINGS = {
  name: NULLABLE_STRING,
  grants: STRINGS,
  scopes: STRINGS,
  redirect_uris: STRINGS,
  post_logout_redirect_uris: STRINGS,
  token_endpoint_auth_method: CLIENT_MEMBERS.token_endpoint_auth_method,
  first_party: BOOLEAN,
};
export const NEW_CLIENT = object({ client_id: STRING, public: BOOLEAN, ...CLIENT_SETTINGS }, [
  "public",
  ...Object.keys(CLIENT_SETTINGS),
]);
export const CLIENT_CHANGES = object(CLIENT_SETTINGS, Object.keys(CLIENT_SETTINGS));

export const LOCATION = { location: { type: "string", description: "the new resource's address" } };

type Route = {
  summary: string;
  description?: string;
  /** The route's own answers: success and the errors beyond 401 and 403. */
  response: Responses;
  errors?: readonly number[];
  body?: JsonSchema;
  querystring?: JsonSchema;
  params?: readonly string[];
};

/**
 * A route's schema: under the tag `admin`, its bearer token documented, its own answers plus
 * 401 and 403 (every admin route may answer them) and the transport statuses.
 */
export function adminRoute(route: Route): { schema: RouteSchema } {
  // Any admin request may carry a body that cannot be read, even where the route reads none.
  const errors = nativeErrors([401, 403, ...(route.errors ?? []), ...transportStatuses({ body: true })]);
  return {
    schema: {
      tags: ["admin"],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: [{ bearer: [] }],
      ...(route.params ? { params: object(Object.fromEntries(route.params.map((name) => [name, STRING]))) } : {}),
      ...(route.querystring ? { querystring: route.querystring } : {}),
      ...(route.body ? { body: route.body, consumes: ["application/json"] } : {}),
      response: { ...errors, ...route.response },
    },
  };
}

export { empty, json, NULL, withHeaders };
