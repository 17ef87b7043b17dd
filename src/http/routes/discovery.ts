import type { FastifyInstance, FastifyReply } from "fastify";
import { allowAnyOrigin } from "../cors.js";
import { CLAIMS_SUPPORTED, type Core, OIDC_SCOPES } from "../../core/index.js";

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

/** The discovery documents, the public JWKS, and the liveness and readiness probes. */
export async function discoveryRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const metadata = providerMetadata(core, core.signingAlg);
  const document = async (_request: unknown, reply: FastifyReply) =>
    allowAnyOrigin(reply).header("cache-control", "public, max-age=300").send(metadata);
  app.get("/.well-known/oauth-authorization-server", document);
  app.get("/.well-known/openid-configuration", document);
  app.get("/.well-known/jwks.json", async (_request, reply) =>
    allowAnyOrigin(reply)
      .header("cache-control", "public, max-age=300")
      .send({ keys: await core.publicJwks() }),
  );
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (request, reply) => {
    try {
      await core.ping();
      return { status: "ok" };
    } catch (error) {
      request.log.warn({ err: error }, "readiness check failed");
      return reply.code(503).header("retry-after", "5").send({ status: "unavailable" });
    }
  });
}
