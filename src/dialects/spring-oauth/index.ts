import type { FastifyInstance } from "fastify";
import { toErrorCode } from "../../http/problems.js";
import { type DialectOptions, defineDialect } from "../types.js";
import { createFailures, SpringFailure, SpringOAuthError } from "./errors.js";
import { routes } from "./routes.js";
import { importSource } from "./import-source.js";
import { ACCOUNT } from "./schemas.js";
import { settings } from "./settings.js";
import { account, refused } from "./translate.js";

/**
 * The Spring Security OAuth2 API with email verification codes, under `/oauth` (beside the
 * standard `/oauth/token`, which its front ends use as is).
 */
export const springOAuth = defineDialect({
  name: "spring-oauth",
  summary: "Spring Security OAuth2 with email codes under /oauth",
  settings,
  importSource,
  longestTokenLifetime: (own) => Math.max(own.accessTtl, own.refreshTtl),
  // The first-party client its front ends name; `/oauth/login` sessions belong to it.
  builtInClient: (own) => ({
    id: own.clientId,
    legacySecret: own.clientSecret,
    grants: ["password", "refresh_token"],
    scopes: ["all"],
    accessTokenTtl: own.accessTtl,
    refreshTokenTtl: own.refreshTtl,
  }),
  // Its front ends read the account from the token response of `/oauth/token` too.
  tokenResponseFields: account,
  tokenResponseProperties: ACCOUNT,
  async plugin(app: FastifyInstance, options: DialectOptions<typeof settings>) {
    const failureFor = createFailures(options.core.settings.passwordPolicy);
    await app.register(
      async (scope) => {
        scope.setErrorHandler((error, request, reply) => {
          if (error instanceof SpringOAuthError) {
            return reply.code(error.status).send({ error: error.error, error_description: error.description });
          }
          if (error instanceof SpringFailure) return reply.code(200).send(refused(error.message));
          const { status, message } = failureFor(toErrorCode(error, request.log).code);
          return reply.code(status).send({ code: status === 200 ? 400 : status, message, data: null });
        });
        await routes(scope, options);
      },
      { prefix: "/oauth" },
    );
  },
});
