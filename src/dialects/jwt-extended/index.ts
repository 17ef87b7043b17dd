import type { FastifyError, FastifyInstance } from "fastify";
import { checkLegacySecretSettings, warnIfShortLegacySecret } from "../../http/legacy-secret.js";
import { toErrorCode } from "../../http/problems.js";
import { type DialectOptions, defineDialect } from "../types.js";
import { createFailures, EnvelopeRefusal, TokenHeaderError } from "./errors.js";
import { routes } from "./routes.js";
import { importSource } from "./import-source.js";
import { LEGACY_PREFIX, settings } from "./settings.js";
import { fail } from "./translate.js";

/** The Flask + flask-jwt-extended API, under `/api/auth`. */
export const jwtExtended = defineDialect({
  name: "jwt-extended",
  summary: "Flask + flask-jwt-extended under /api/auth",
  settings,
  importSource,
  // A refresh token lives as long as its session; access tokens never outlive it.
  longestTokenLifetime: (own) => Math.max(own.accessTtl, own.refreshTtl),
  checkSettings: (own) => checkLegacySecretSettings(LEGACY_PREFIX, own),
  async plugin(app: FastifyInstance, options: DialectOptions<typeof settings>) {
    warnIfShortLegacySecret(app.log, LEGACY_PREFIX, options.settings);
    const failureFor = createFailures(options.core.settings.passwordPolicy);
    await app.register(
      async (scope) => {
        scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
          if (error instanceof TokenHeaderError) return reply.code(error.status).send({ msg: error.msg });
          if (error instanceof EnvelopeRefusal) return reply.code(200).send(fail(error.message));
          const { status, message } = failureFor(toErrorCode(error, request.log).code);
          return reply.code(status).send(fail(message));
        });
        scope.setNotFoundHandler((_request, reply) => {
          const { status, message } = failureFor("not_found");
          return reply.code(status).send(fail(message));
        });
        await routes(scope, options);
      },
      { prefix: "/api/auth" },
    );
  },
});
