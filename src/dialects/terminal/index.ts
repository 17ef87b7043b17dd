import type { FastifyInstance } from "fastify";
import { toErrorCode } from "../../http/problems.js";
import type { Dialect, DialectOptions } from "../types.js";
import { failureFor, TerminalFailure } from "./errors.js";
import { routes } from "./routes.js";

/** api-docs 003: per-terminal (device) sessions under `/auth`, body `{"message": ...}`. */
export const terminal: Dialect = {
  name: "terminal",
  summary: "terminal sessions (api-docs 003) under /auth",
  async plugin(app: FastifyInstance, options: DialectOptions) {
    await app.register(
      async (scope) => {
        const policy = options.core.settings.passwordPolicy;
        scope.setErrorHandler((error, request, reply) => {
          if (error instanceof TerminalFailure) return reply.code(error.status).send({ message: error.message });
          const { status, message } = failureFor(toErrorCode(error, request.log).code, policy);
          return reply.code(status).send({ message });
        });
        scope.setNotFoundHandler((_request, reply) => reply.code(404).send({ message: "not found" }));
        await routes(scope, options);
      },
      { prefix: "/auth" },
    );
  },
};
