import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Config } from "../config/schema.js";
import { type Core, frontDoor } from "../core/index.js";
import { type Dialect, settingsOf } from "../dialects/types.js";
import { registerBodyParsers } from "./body.js";
import { registerHardening } from "./hardening.js";
import { registerLingeringClose } from "./lingering-close.js";
import { NATIVE_TAGS, registerOpenApi, tagRoutes } from "./openapi.js";
import { registerRateLimit } from "./rate-limit.js";
import { registerRequestMetrics } from "./request-metrics.js";
import type { HttpMetrics } from "../metrics/registry.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { meRoutes } from "./routes/me.js";
import { passwordResetRoutes } from "./routes/password-reset.js";
import { adminRoutes } from "./admin/index.js";
import { consoleRoutes } from "./console/index.js";
import { openIdRoutes } from "./oidc/index.js";
import { oauthRoutes, renderOAuthError } from "./routes/oauth.js";
import { referenceRoutes } from "./routes/reference.js";

export type AppOptions = {
  core: Core;
  config: Config;
  dialects: readonly Dialect[];
  logger: FastifyBaseLogger;
  /** Request counts and times for the metrics; none when metrics are off. */
  metrics?: HttpMetrics | undefined;
};

/**
 * The route table: standard OAuth 2.0 and discovery at the root, then each enabled dialect as
 * an encapsulated plugin with its own prefix and error renderer.
 */
export async function buildApp({ core, config, dialects, logger, metrics }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    // One line per request comes from our own onResponse hook (path only, no query string).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    connectionTimeout: config.requestTimeoutMs,
    // While closing, requests already on a connection are served (with `Connection: close`)
    // by our own routes and hooks, rather than answered with Fastify's bare 503.
    return503OnClosing: false,
    // Node enforces headersTimeout and requestTimeout when it sweeps connections, every 30 s
    // by default; every second keeps a slow client's socket close to its deadline.
    http: { connectionsCheckingInterval: 1_000 },
    routerOptions: { maxParamLength: 200 },
  });
  app.server.headersTimeout = 10_000;

  // Before the routes: route schemas document them (docs/openapi.md), they never validate nor serialize.
  await registerOpenApi(app, [...NATIVE_TAGS, ...dialects.map((d) => ({ name: d.name, description: d.summary }))]);
  registerBodyParsers(app);
  registerHardening(app);
  registerLingeringClose(app);
  if (metrics) registerRequestMetrics(app, metrics);
  // Before the routes, so that every front door's not-found context inherits it.
  registerMethodNotAllowed(app);
  // Before the routes: the limiter attaches itself to each route as it is added.
  await registerRateLimit(app, config, metrics);

  await app.register(discoveryRoutes, { core });
  await app.register(oauthRoutes, {
    core,
    tokenResponseFields: dialects.flatMap((d) => d.tokenResponseFields ?? []),
    tokenResponseProperties: Object.assign({}, ...dialects.map((d) => d.tokenResponseProperties ?? {})),
  });
  await app.register(meRoutes, { core });
  await app.register(passwordResetRoutes, { core });
  await app.register(openIdRoutes, { core });
  await app.register(adminRoutes, { core });
  for (const dialect of dialects) {
    // Each dialect's routes under a tag of its own, its name.
    await app.register(async (scope) => {
      tagRoutes(scope, dialect.name);
      await scope.register(dialect.plugin, {
        core: frontDoor(core, dialect.name),
        settings: settingsOf(dialect, config.dialectSettings),
      });
    });
  }
  await app.register(referenceRoutes);
  if (config.console) await app.register(consoleRoutes);

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "not_found" }));
  app.setErrorHandler((error, request, reply) => renderOAuthError(error, request, reply));
  return app;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/**
 * A known path asked with an undeclared method is 405 with `Allow`, not 404 (RFC 9110 §15.5.6);
 * TRACE is always 405. The error goes to the error handler of the not-found context the path
 * falls in: a front door with its own prefix and not-found handler answers in its own shape;
 * everything else as `{"error":"method_not_allowed"}` (a dialect at the root answers its own
 * paths' other methods itself).
 */
function registerMethodNotAllowed(app: FastifyInstance): void {
  // Synchronous, so that it costs the requests that do match a route no promise.
  app.addHook("onRequest", (request, reply, done) => {
    if (!request.is404) return done();
    const url = request.url.split("?", 1)[0] ?? "";
    const allowed = METHODS.filter((method) => app.findRoute({ method, url }) !== null);
    if (allowed.length === 0 && request.method !== "TRACE") return done();
    reply.header("allow", allowed.join(", "));
    done(
      Object.assign(new Error(`${request.method} is not allowed here`), {
        statusCode: 405,
        code: "GATEHOUSE_METHOD_NOT_ALLOWED",
      }),
    );
  });
}
