import type { FastifyInstance } from "fastify";
import type { Core } from "../../core/index.js";

/** RFC 8414 metadata, the public JWKS, and the liveness and readiness probes. */
export async function discoveryRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const issuer = core.settings.issuer;
  const metadata = Object.freeze({
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ["password", "refresh_token", "client_credentials"],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  });

  app.get("/.well-known/oauth-authorization-server", async (_request, reply) =>
    reply.header("cache-control", "public, max-age=300").send(metadata),
  );
  app.get("/.well-known/jwks.json", async (_request, reply) =>
    reply.header("cache-control", "public, max-age=300").send({ keys: await core.publicJwks() }),
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
