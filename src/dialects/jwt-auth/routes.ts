import type { FastifyInstance, FastifyRequest } from "fastify";
import { AuthError } from "../../core/errors.js";
import type { Core } from "../../core/index.js";
import type { SessionRecord, UserRecord } from "../../core/ports.js";
import { mergedInput, readFields } from "../../http/fields.js";
import { requestMeta } from "../../http/request-meta.js";
import type { DialectOptions } from "../types.js";
import { type Field, mustBeString, required, ValidationFailed } from "./errors.js";
import { envelope, tokenData, wireClaims } from "./translate.js";

/** Laravel's `required|string` on each field, all reported at once. */
function validated<K extends Field>(request: FastifyRequest, names: readonly K[]): Record<K, string> {
  const input = mergedInput(request.query, request.body);
  if (!input) throw new AuthError("invalid_request");
  const { values, missing, invalid } = readFields(input, names);
  if (missing.length + invalid.length > 0) {
    const fields: Record<string, string[]> = {};
    for (const name of names) {
      if (missing.includes(name)) fields[name] = [required(name)];
      if (invalid.includes(name)) fields[name] = [mustBeString(name)];
    }
    throw new ValidationFailed(fields);
  }
  return values as Record<K, string>;
}

/** The access token from `Authorization: Bearer`; any problem at all is 401 `Unauthorized`. */
async function authenticated(core: Core, request: FastifyRequest) {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  const checked = match?.[1] ? await core.checkJwt(match[1]) : null;
  if (!checked?.ok || checked.kind !== "access") throw new AuthError("unauthorized");
  return checked.session;
}

export async function routes(app: FastifyInstance, { core, config }: DialectOptions): Promise<void> {
  const ttlSeconds = config.jwtAuthTtl;
  /** `iss` is the URL of the endpoint that issued the token, under our public base URL. */
  const claimsFor = (request: FastifyRequest) => wireClaims(`${config.issuer}${request.url.split("?", 1)[0]}`);

  const openSession = async (request: FastifyRequest, user: UserRecord) => {
    const session = await core.startSession({
      user,
      clientId: null,
      scope: "",
      terminal: null,
      ttlSeconds: config.jwtAuthRefreshWindow + ttlSeconds,
      refreshWindowSeconds: config.jwtAuthRefreshWindow,
      meta: requestMeta(request),
    });
    return issue(request, user, session);
  };
  const issue = async (request: FastifyRequest, user: UserRecord, session: SessionRecord) => {
    const issued = await core.issueAccessToken({
      user,
      session,
      ttlSeconds,
      subject: "seq",
      atLogin: true,
      claims: claimsFor(request),
    });
    return envelope(tokenData(issued));
  };

  app.post("/register", async (request) => {
    const { uid, email, password } = validated(request, ["uid", "email", "password"] as const);
    const user = await core.register({ username: uid, email, password, ip: request.ip });
    return openSession(request, user);
  });

  app.post("/login", async (request) => {
    const { uid, password } = validated(request, ["uid", "password"] as const);
    const { user, session } = await core.login({
      username: uid,
      password,
      clientId: null,
      scope: "",
      sessionTtlSeconds: config.jwtAuthRefreshWindow + ttlSeconds,
      refreshWindowSeconds: config.jwtAuthRefreshWindow,
      meta: requestMeta(request),
    });
    return issue(request, user, session);
  });

  // The presented token dies at once; the new one keeps the first login's `iat`.
  app.get("/refreshToken", async (request) => {
    const session = await authenticated(core, request);
    const issued = await core.exchangeAccessToken(session, {
      ttlSeconds,
      subject: "seq",
      keepLoginIat: true,
      claims: claimsFor(request),
    });
    return envelope(tokenData(issued));
  });

  app.get("/me", async (request) => {
    const session = await authenticated(core, request);
    const user = await core.findUserById(session.userId);
    if (!user) throw new AuthError("unauthorized");
    return envelope({ uid: user.username, email: user.email });
  });

  app.post("/logout", async (request) => {
    const session = await authenticated(core, request);
    await core.revokeSession(session, "logout", request.ip);
    return envelope([]);
  });
}
