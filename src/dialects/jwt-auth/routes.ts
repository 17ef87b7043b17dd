import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  AuthError,
  type FrontDoorCore,
  type LegacyClaims,
  type LegacyTrust,
  type SessionRecord,
  type UserRecord,
} from "../../core/index.js";
import { mergedInput, requireFields } from "../../http/fields.js";
import { checkPresentedToken, legacyTrust } from "../../http/legacy-secret.js";
import { requestMeta } from "../../http/request-meta.js";
import type { DialectOptions } from "../types.js";
import type { settings } from "./settings.js";
import { type Field, mustBeString, required, ValidationFailed } from "./errors.js";
import { SCHEMAS } from "./schemas.js";
import { envelope, PRV, tokenData, wireClaims } from "./translate.js";

/** Laravel's `required|string` on each field, all reported at once. */
function validated<K extends Field>(request: FastifyRequest, names: readonly K[]): Record<K, string> {
  return requireFields(mergedInput(request.query, request.body), names, (problem) => {
    if (problem === null) return new AuthError("invalid_request");
    const fields: Record<string, string[]> = {};
    for (const name of names) {
      if (problem.missing.includes(name)) fields[name] = [required(name)];
      if (problem.invalid.includes(name)) fields[name] = [mustBeString(name)];
    }
    return new ValidationFailed(fields);
  });
}

/**
 * What tymon/jwt-auth checked of its own tokens besides the signature and the times: an `iat`
 * (its refresh window counts from it) and, when present, `prv`, the hash of the user model's
 * class, so that a token of another model's guard cannot pass.
 */
const hasOriginalShape = (claims: LegacyClaims) =>
  typeof claims.iat === "number" && (claims.prv === undefined || claims.prv === PRV);

/**
 * The access token from `Authorization: Bearer`, ours or (with a legacy secret) the old
 * server's; any problem at all is 401 `Unauthorized`.
 */
async function authenticated(core: FrontDoorCore, request: FastifyRequest, trust: LegacyTrust | null) {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  const checked = match?.[1] ? await checkPresentedToken(core, match[1], trust) : null;
  if (!checked?.ok || checked.kind !== "access") throw new AuthError("unauthorized");
  if (checked.original && !hasOriginalShape(checked.original.claims)) throw new AuthError("unauthorized");
  return checked;
}

/** The endpoints that issue tokens; each token's `iss` is the URL of the one that issued it. */
export const ISSUING_PATHS = ["/register", "/login", "/refreshToken"] as const;

export async function routes(app: FastifyInstance, { core, settings: own }: DialectOptions<typeof settings>): Promise<void> {
  const ttlSeconds = own.ttl;
  // The cutover: the old server's tokens accepted, and ours signed with its secret if asked.
  const trust = legacyTrust("jwt-auth", "seq", own);
  const signing = own.signWithLegacySecret ? { legacySecret: own.legacySecret } : {};
  const refreshWindowSeconds = own.refreshWindow;
  // The route's own path, never the request's spelling of it: `iss` is one of ISSUING_PATHS.
  const claimsFor = (request: FastifyRequest) => wireClaims(`${core.settings.issuer}${request.routeOptions.url}`);

  const openSession = async (request: FastifyRequest, user: UserRecord) => {
    const session = await core.startSession({
      user,
      clientId: null,
      scope: "",
      terminal: null,
      ttlSeconds: refreshWindowSeconds + ttlSeconds,
      refreshWindowSeconds,
      meta: requestMeta(request),
    });
    return issue(request, user, session);
  };
  // Every token: this dialect's lifetime, the user's number as `sub`, the issuing endpoint as `iss`.
  const tokenOptions = (request: FastifyRequest) => ({
    ttlSeconds,
    subject: "seq" as const,
    claims: claimsFor(request),
    ...signing,
  });
  const issue = async (request: FastifyRequest, user: UserRecord, session: SessionRecord) => {
    const issued = await core.issueAccessToken({ ...tokenOptions(request), user, session, atLogin: true });
    return envelope(tokenData(issued));
  };

  app.post("/register", { schema: SCHEMAS.register }, async (request) => {
    const { uid, email, password } = validated(request, ["uid", "email", "password"] as const);
    const user = await core.register({ username: uid, email, password, ip: request.ip });
    return openSession(request, user);
  });

  app.post("/login", { schema: SCHEMAS.login }, async (request) => {
    const { uid, password } = validated(request, ["uid", "password"] as const);
    const { user, session } = await core.login({
      username: uid,
      password,
      clientId: null,
      scope: "",
      sessionTtlSeconds: refreshWindowSeconds + ttlSeconds,
      refreshWindowSeconds,
      meta: requestMeta(request),
    });
    return issue(request, user, session);
  });

  // The presented token dies at once; the new one keeps the first login's `iat`.
  app.get("/refreshToken", { schema: SCHEMAS.refreshToken }, async (request) => {
    const { session, original } = await authenticated(core, request, trust);
    if (original) return refreshOriginal(request, original.claims, original.user);
    if (!session) throw new AuthError("unauthorized");
    const issued = await core.exchangeAccessToken(session, { ...tokenOptions(request), keepLoginIat: true });
    return envelope(tokenData(issued));
  });

  // An old server's token, within the refresh window counted from its `iat` as tymon/jwt-auth
  // did: it dies (on every process, until its `exp`) and a Gatehouse session takes over.
  const refreshOriginal = async (request: FastifyRequest, claims: LegacyClaims, user: UserRecord) => {
    const windowLeft = Number(claims.iat) + refreshWindowSeconds - Math.floor(Date.now() / 1000);
    if (windowLeft <= 0) throw new AuthError("invalid_grant", "the refresh window has closed");
    const session = await core.exchangeLegacyToken({
      source: "jwt-auth",
      claims,
      user,
      oldToken: "consume",
      ttlSeconds: windowLeft + ttlSeconds,
      refreshWindowSeconds: windowLeft,
      meta: requestMeta(request),
    });
    return issue(request, user, session);
  };

  app.get("/me", { schema: SCHEMAS.me }, async (request) => {
    const { session, original } = await authenticated(core, request, trust);
    const user = original?.user ?? (session && (await core.findUserById(session.userId)));
    if (!user) throw new AuthError("unauthorized");
    return envelope({ uid: user.username, email: user.email });
  });

  app.post("/logout", { schema: SCHEMAS.logout }, async (request) => {
    const { session, original } = await authenticated(core, request, trust);
    if (original) {
      await core.revokeLegacyToken({ source: "jwt-auth", claims: original.claims, userId: original.user.id, ip: request.ip });
    } else if (session) {
      await core.revokeSession(session, "logout", request.ip);
    }
    return envelope([]);
  });
}
