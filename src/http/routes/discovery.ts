import type { FastifyInstance, FastifyReply } from "fastify";
import { allowAnyOrigin } from "../cors.js";
import { CLAIMS_SUPPORTED, type Core, OIDC_SCOPES } from "../../core/index.js";
import { BOOLEAN, json, type JsonSchema, object, type RouteSchema, STRING, nativeErrors } from "../schemas.js";

/**
 * The metadata both discovery documents share: RFC 8414 at `/.well-known/oauth-authorization-server`
 * and OpenID Connect Discovery 1.0 at `/.well-known/openid-configuration`.
 */
function providerMetadata(core: Core, signingAlg: string) {
  const issuer = core.settings.issuer;
  return Object.freeze({
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ["authorization_code", "refresh_token", "password", "client_credentials"],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    code_challenge_methods_supported: ["S256"],
    scopes_supported: [...OIDC_SCOPES],
    claims_supported: [...CLAIMS_SUPPORTED],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [signingAlg],
    prompt_values_supported: ["none", "login", "consent", "select_account"],
    ui_locales_supported: ["en", "zh-CN"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  });
}

const strings = { type: "array", items: STRING };
const members = (names: readonly string[], schema: JsonSchema) => Object.fromEntries(names.map((name) => [name, schema]));

/** The members of `providerMetadata`, by type. */
const METADATA = object({
  ...members(["issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint"], STRING),
  ...members(["introspection_endpoint", "revocation_endpoint", "jwks_uri"], STRING),
  ...members(
    [
      "grant_types_supported",
      "response_types_supported",
      "response_modes_supported",
      "code_challenge_methods_supported",
      "scopes_supported",
      "claims_supported",
      "subject_types_supported",
      "id_token_signing_alg_values_supported",
      "prompt_values_supported",
      "ui_locales_supported",
      "token_endpoint_auth_methods_supported",
      "introspection_endpoint_auth_methods_supported",
      "revocation_endpoint_auth_methods_supported",
    ],
    strings,
  ),
  ...members(
    [
      "claims_parameter_supported",
      "request_parameter_supported",
      "request_uri_parameter_supported",
      "authorization_response_iss_parameter_supported",
    ],
    BOOLEAN,
  ),
});

/** A public key: never a private member. */
const PUBLIC_JWK = {
  type: "object",
  required: ["kty", "kid", "alg", "use"],
  properties: { kty: STRING, kid: STRING, alg: STRING, use: { const: "sig" } },
  not: { anyOf: ["d", "p", "q", "dp", "dq", "qi", "k"].map((name) => ({ required: [name] })) },
};

const STATUS_OK = object({ status: { const: "ok" } });
/** The probes and public documents are not rate-limited (src/http/rate-limit.ts). */
const SERVER_ERROR = nativeErrors([500]);

const metadataSchema = (summary: string): RouteSchema => ({
  tags: ["discovery"],
  summary,
  response: { 200: json("the provider's metadata", METADATA), ...SERVER_ERROR },
});

/** The discovery documents, the public JWKS, and the liveness and readiness probes. */
export async function discoveryRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const metadata = providerMetadata(core, core.signingAlg);
  const document = async (_request: unknown, reply: FastifyReply) =>
    allowAnyOrigin(reply).header("cache-control", "public, max-age=300").send(metadata);
  app.get(
    "/.well-known/oauth-authorization-server",
    { schema: metadataSchema("Authorization server metadata (RFC 8414)") },
    document,
  );
  app.get("/.well-known/openid-configuration", { schema: metadataSchema("OpenID Connect Discovery 1.0") }, document);
  const jwks: RouteSchema = {
    tags: ["discovery"],
    summary: "The public signing keys (JWK Set)",
    response: {
      200: json("every key a live token may be signed with", object({ keys: { type: "array", items: PUBLIC_JWK } })),
      ...SERVER_ERROR,
    },
  };
  app.get("/.well-known/jwks.json", { schema: jwks }, async (_request, reply) =>
    allowAnyOrigin(reply)
      .header("cache-control", "public, max-age=300")
      .send({ keys: await core.publicJwks() }),
  );
  app.get(
    "/healthz",
    { schema: { tags: ["health"], summary: "Liveness: the process answers", response: { 200: json("alive", STATUS_OK) } } },
    async () => ({ status: "ok" }),
  );
  const readiness: RouteSchema = {
    tags: ["health"],
    summary: "Readiness: the database answers",
    response: {
      200: json("ready", STATUS_OK),
      503: json(
        "the database does not answer; `Retry-After` says when to ask again",
        object({ status: { const: "unavailable" } }),
      ),
      ...SERVER_ERROR,
    },
  };
  app.get("/readyz", { schema: readiness }, async (request, reply) => {
    try {
      await core.ping();
      return { status: "ok" };
    } catch (error) {
      request.log.warn({ err: error }, "readiness check failed");
      return reply.code(503).header("retry-after", "5").send({ status: "unavailable" });
    }
  });
}
