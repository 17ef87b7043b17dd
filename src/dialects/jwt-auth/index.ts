import type { FastifyInstance } from "fastify";
import { isAuthError } from "../../core/index.js";
import { checkLegacySecretSettings, warnIfShortLegacySecret } from "../../http/legacy-secret.js";
import { toErrorCode } from "../../http/problems.js";
import { type DialectOptions, defineDialect } from "../types.js";
import { failureFor, ValidationFailed, validationMessage } from "./errors.js";
import { ISSUING_PATHS, routes } from "./routes.js";
import { importSource } from "./import-source.js";
import { OTHER_METHODS } from "./schemas.js";
import { LEGACY_PREFIX, settings } from "./settings.js";
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
      schema: OTHER_METHODS,
      handler: async (_request, reply) => {
        reply.header("allow", allowed.join(", "));
        throw Object.assign(new Error("method not allowed"), { statusCode: 405, code: "GATEHOUSE_METHOD_NOT_ALLOWED" });
      },
    });
  }
}

/** The Lumen + tymon/jwt-auth API, at the root (`/register`, `/login`, ...). */
export const jwtAuth = defineDialect({
  name: "jwt-auth",
  summary: "Lumen + tymon/jwt-auth at /register, /login, /refreshToken, /me, /logout",
  settings,
  importSource,
  // A session lasts the refresh window plus the last token's lifetime.
  longestTokenLifetime: (own) => own.refreshWindow + own.ttl,
  // Its tokens name the endpoint that issued them as `iss`, as tymon/jwt-auth did.
  issuerPaths: ISSUING_PATHS,
  checkSettings: (own) => checkLegacySecretSettings(LEGACY_PREFIX, own),
  async plugin(app: FastifyInstance, options: DialectOptions<typeof settings>) {
    warnIfShortLegacySecret(app.log, LEGACY_PREFIX, options.settings);
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
});
