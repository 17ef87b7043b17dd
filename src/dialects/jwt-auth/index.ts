import type { FastifyInstance } from "fastify";
import { isAuthError } from "../../core/errors.js";
import { toErrorCode } from "../../http/problems.js";
import type { Dialect, DialectOptions } from "../types.js";
import { failureFor, ValidationFailed, validationMessage } from "./errors.js";
import { routes } from "./routes.js";
import { failure } from "./translate.js";

/** Every method Fastify routes; HEAD comes with each GET route. */
const ROUTABLE = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/**
 * jwt-auth's paths sit at the root, where the server-wide 405 would answer in the OAuth shape;
 * here an undeclared method on one of them is a 405 in this front door's envelope, with `Allow`.
 */
function answerOtherMethods(scope: FastifyInstance, declared: Map<string, Set<string>>): void {
  for (const [url, methods] of [...declared]) {
    const allowed = ROUTABLE.filter((method) => methods.has(method));
    scope.route({
      method: ROUTABLE.filter((method) => !methods.has(method)),
      url,
      handler: async (_request, reply) => {
        reply.header("allow", allowed.join(", "));
        throw Object.assign(new Error("method not allowed"), { statusCode: 405, code: "GATEHOUSE_METHOD_NOT_ALLOWED" });
      },
    });
  }
}

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
      const declared = new Map<string, Set<string>>();
      scope.addHook("onRoute", ({ url, method }) => {
        const methods = declared.get(url) ?? new Set<string>();
        for (const one of [method].flat()) methods.add(one);
        declared.set(url, methods);
      });
      await routes(scope, options);
      answerOtherMethods(scope, declared);
    });
  },
};
