import type { FastifyInstance } from "fastify";
import { isAuthError } from "../../core/errors.js";
import { toErrorCode } from "../../http/problems.js";
import type { Dialect, DialectOptions } from "../types.js";
import { failureFor, ValidationFailed, validationMessage } from "./errors.js";
import { routes } from "./routes.js";
import { failure } from "./translate.js";

/** api-docs 002: Lumen with tymon/jwt-auth, at the root (`/register`, `/login`, ...). */
export const jwtAuth: Dialect = {
  name: "jwt-auth",
  summary: "Lumen + tymon/jwt-auth (api-docs 002) at /register, /login, /refreshToken, /me, /logout",
  async plugin(app: FastifyInstance, options: DialectOptions) {
    await app.register(async (scope) => {
      const policy = options.core.settings.passwordPolicy;
      scope.setErrorHandler((error, request, reply) => {
        if (error instanceof ValidationFailed) return reply.code(422).send(error.fields);
        const field = isAuthError(error) ? validationMessage(error.code, policy) : null;
        if (field) return reply.code(422).send({ [field[0]]: [field[1]] });
        const { status, message } = failureFor(toErrorCode(error, request.log).code);
        return reply.code(status).send(failure(message));
      });
      await routes(scope, options);
    });
  },
};
