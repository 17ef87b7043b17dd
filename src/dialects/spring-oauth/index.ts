import type { FastifyInstance } from "fastify";
import { toErrorCode } from "../../http/problems.js";
import type { Dialect, DialectOptions } from "../types.js";
import { messageFor, SpringFailure, SpringOAuthError } from "./errors.js";
import { routes } from "./routes.js";
import { refused } from "./translate.js";

/**
 * api-docs 004: Spring Security OAuth2 with email verification codes, under `/oauth` (beside
 * the standard `/oauth/token`, which its front ends use as is).
 */
export const springOAuth: Dialect = {
  name: "spring-oauth",
  summary: "Spring Security OAuth2 (api-docs 004) under /oauth",
  async plugin(app: FastifyInstance, options: DialectOptions) {
    const { core, config } = options;
    // The first-party client its front ends name; `/oauth/login` sessions belong to it.
    await core.ensureBuiltInClient({
      id: config.springClientId,
      legacySecret: config.springClientSecret,
      grants: ["password", "refresh_token"],
      scopes: ["all"],
      accessTokenTtl: config.springAccessTtl,
      refreshTokenTtl: config.springRefreshTtl,
    });
    await app.register(
      async (scope) => {
        const policy = core.settings.passwordPolicy;
        scope.setErrorHandler((error, request, reply) => {
          if (error instanceof SpringOAuthError) {
            return reply.code(error.status).send({ error: error.error, error_description: error.description });
          }
          if (error instanceof SpringFailure) return reply.code(200).send(refused(error.message));
          const { status, message } = messageFor(toErrorCode(error, request.log).code, policy);
          return reply.code(status).send({ code: status === 200 ? 400 : status, message, data: null });
        });
        await routes(scope, options);
      },
      { prefix: "/oauth" },
    );
  },
};
