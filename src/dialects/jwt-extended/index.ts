import type { FastifyError, FastifyInstance } from "fastify";
import { toErrorCode } from "../../http/problems.js";
import type { Dialect, DialectOptions } from "../types.js";
import { envelopeFor, TokenHeaderError } from "./errors.js";
import { routes } from "./routes.js";
import { fail } from "./translate.js";

/** api-docs 000 and 001: Flask with flask-jwt-extended, under `/api/auth`. */
export const jwtExtended: Dialect = {
  name: "jwt-extended",
  summary: "Flask + flask-jwt-extended (api-docs 000, 001) under /api/auth",
  async plugin(app: FastifyInstance, options: DialectOptions) {
    await app.register(
      async (scope) => {
        const policy = options.core.settings.passwordPolicy;
        scope.setErrorHandler((error: FastifyError | Error, request, reply) => {
          if (error instanceof TokenHeaderError) return reply.code(error.status).send({ msg: error.msg });
          const { code } = toErrorCode(error, request.log);
          const { status, msg } = envelopeFor(code, policy);
          return reply.code(status).send(fail(msg));
        });
        scope.setNotFoundHandler((_request, reply) => {
          const { status, msg } = envelopeFor("not_found", policy);
          return reply.code(status).send(fail(msg));
        });
        await routes(scope, options);
      },
      { prefix: "/api/auth" },
    );
  },
};
