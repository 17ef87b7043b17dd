import type { FastifyInstance } from "fastify";
import { toErrorCode } from "../../http/problems.js";
import { type DialectOptions, defineDialect } from "../types.js";
import { createFailures, TerminalFailure } from "./errors.js";
import { routes } from "./routes.js";
import { importSource } from "./import-source.js";
import { settings } from "./settings.js";

/** The per-terminal (device) session API under `/auth`, body `{"message": ...}`. */
export const terminal = defineDialect({
  name: "terminal",
  summary: "per-terminal sessions under /auth",
  settings,
  importSource,
  longestTokenLifetime: (own) => own.tokenTtl,
  async plugin(app: FastifyInstance, options: DialectOptions<typeof settings>) {
    const failureFor = createFailures(options.core.settings.passwordPolicy);
    await app.register(
      async (scope) => {
        scope.setErrorHandler((error, request, reply) => {
          if (error instanceof TerminalFailure) return reply.code(error.status).send({ message: error.message });
          const { status, message } = failureFor(toErrorCode(error, request.log).code);
          return reply.code(status).send({ message });
        });
        scope.setNotFoundHandler((_request, reply) => {
          const { status, message } = failureFor("not_found");
          return reply.code(status).send({ message });
        });
        await routes(scope, options);
      },
      { prefix: "/auth" },
    );
  },
});
