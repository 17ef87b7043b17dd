import { type CoreMetrics, type MailSender, NO_METRICS, type Store } from "./ports.js";
import { deleteUser, findUserByName, setUserEnabled } from "./accounts/admin.js";
import { login } from "./accounts/login.js";
import { register } from "./accounts/register.js";
import { changePassword, deleteAccount } from "./accounts/self-service.js";
import { isUsernameAvailable, registerWithCode, sendRegistrationCode } from "./accounts/verified-registration.js";
import { confirmPasswordReset, requestPasswordReset, settlePendingMail } from "./accounts/password-reset.js";
import { authenticateClient, createClient, ensureBuiltInClient, listClients, updateClient } from "./clients/clients.js";
import type { CoreContext, CoreLogger, CoreSettings } from "./context.js";
import { introspect } from "./oauth/introspect.js";
import { authorize } from "./oidc/authorize.js";
import { browserCookieValue, browserSession, csrfToken, csrfTokenMatches, signInBrowser } from "./oidc/browser-sessions.js";
import { endSession } from "./oidc/logout.js";
import { userInfo } from "./oidc/userinfo.js";
import { revokeToken } from "./oauth/revoke.js";
import { exchangeToken } from "./oauth/token.js";
import { purgeEnded } from "./housekeeping.js";
import { importUsers } from "./import/engine.js";
import type { HashPoolLimits } from "./passwords/hash-pool.js";
import { createPasswordHasher, type HashParams } from "./passwords/hasher.js";
import { accessProfile, addUserRole, createPermission, createRole, grantPermission } from "./rbac/rbac.js";
import { listSessions, revokeOwnSession, revokeSession, startSession } from "./sessions/sessions.js";
import { checkJwt, exchangeAccessToken, issueAccessToken, issueRefreshJwt } from "./tokens/access-tokens.js";
import { createJwtService } from "./tokens/jwt.js";
import { createKeyring, type SigningAlg } from "./tokens/keyring.js";
import { listSigningKeys, rotateSigningKey } from "./tokens/rotate-key.js";
import { createSecretHash, randomToken } from "./tokens/secrets.js";
import * as admin from "./admin/index.js";
import { createDispatcher, type Dispatcher } from "./webhooks/dispatcher.js";
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  replayWebhooks,
  rotateWebhookSecret,
  webhookDeliveries,
  webhookOutboxDepth,
  webhookView,
} from "./webhooks/endpoints.js";
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from "./webhooks/outbox.js";
import type { WebhookTransport } from "./webhooks/ports.js";
import { createSecretBox } from "./webhooks/secret-box.js";
// The cutover from an original server (a dialect's legacy secret).
import { checkLegacyJwt, exchangeLegacyToken, revokeLegacyToken } from "./legacy/legacy-tokens.js";

export type CoreOptions = {
  store: Store;
  mail: MailSender;
  settings: CoreSettings;
  hashParams: HashParams;
  hashPool: HashPoolLimits;
  jwtAlg: SigningAlg;
  jwtSecret: string;
  log: CoreLogger;
  /** Counters for the metrics (src/metrics/); none by default. */
  metrics?: CoreMetrics;
  now?: () => number;
  /**
   * How long a superseded signing key keeps verifying after its successor was created; at least
   * the longest token lifetime. Default: the longer of the access and refresh token lifetimes.
   */
  keyRetentionSeconds?: number;
  /**
   * Paths under the issuer that a front door names as a token's `iss` (the endpoint that
   * issued it); a token's `iss` must be the issuer itself or the issuer followed by one of them.
   */
  issuerPaths?: readonly string[];
  /** Webhook delivery settings; defaults: `DEFAULT_WEBHOOK_SETTINGS`. */
  webhooks?: Partial<WebhookSettings>;
};

/** Binds a use case `(ctx, ...args)` to the context, so front doors call `core.login(...)`. */
const bindAll = <T extends Record<string, (ctx: CoreContext, ...args: never[]) => unknown>>(ctx: CoreContext, useCases: T) =>
  Object.fromEntries(Object.entries(useCases).map(([name, fn]) => [name, fn.bind(null, ctx)])) as {
    [K in keyof T]: T[K] extends (ctx: CoreContext, ...args: infer A) => infer R ? (...args: A) => R : never;
  };

const useCases = {
  register,
  login,
  changePassword,
  deleteAccount,
  sendRegistrationCode,
  isUsernameAvailable,
  registerWithCode,
  requestPasswordReset,
  confirmPasswordReset,
  settlePendingMail,
  checkJwt,
  issueAccessToken,
  issueRefreshJwt,
  exchangeAccessToken,
  startSession,
  revokeSession,
  listSessions,
  revokeOwnSession,
  accessProfile,
  authenticateClient,
  exchangeToken,
  introspect,
  revokeToken,
  findUserByName,
  setUserEnabled,
  deleteUser,
  addUserRole,
  createRole,
  createPermission,
  grantPermission,
  createClient,
  updateClient,
  listClients,
  ensureBuiltInClient,
  rotateSigningKey,
  listSigningKeys,
  purgeEnded,
  // The cutover from an original server.
  checkLegacyJwt,
  exchangeLegacyToken,
  revokeLegacyToken,
  // Import (`gatehouse import`, administrative only)
  importUsers,
  // OpenID Connect: the authorization endpoint, its hosted pages, UserInfo and logout.
  authorize,
  browserSession,
  browserCookieValue,
  signInBrowser,
  csrfToken,
  csrfTokenMatches,
  userInfo,
  endSession,
  // The admin API (src/core/admin/): each change names the acting admin.
  ...admin.useCases,
  // Webhooks (src/core/webhooks/, docs/events.md).
  createWebhook,
  listWebhooks,
  webhookView,
  deleteWebhook,
  rotateWebhookSecret,
  replayWebhooks,
  webhookDeliveries,
  webhookOutboxDepth,
};

/** The whole core: every use case, the administrative ones included (the CLI's face). */
export type Core = ReturnType<typeof bindAll<typeof useCases>> & {
  settings: CoreSettings;
  /** The algorithm tokens are signed with (ID tokens included). */
  signingAlg: SigningAlg;
  publicJwks: () => Promise<unknown[]>;
  /** The user behind a session; `null` for a client's own session or a deleted user. */
  findUserById: (id: string | null) => ReturnType<Store["users"]["findById"]>;
  ping: () => Promise<void>;
  /** The webhook dispatcher of this process, sending through `transport` (one per serving process). */
  createWebhookDispatcher: (transport: WebhookTransport) => Dispatcher;
  webhookSettings: WebhookSettings;
  /** The counters the core reports to (no-ops without metrics). */
  metrics: CoreMetrics;
};

/** Builds the core on a migrated store: loads (or creates) the signing key and the hash key. */
export async function createCore(options: CoreOptions): Promise<Core> {
  const now = options.now ?? Date.now;
  const { store } = options;
  const hashKey = await store.secrets.getOrCreate("secret_hash_key", randomToken(32));
  const webhookKey = await store.secrets.getOrCreate("webhook_secret_key", randomToken(32));
  const webhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks };
  const { accessTokenTtl, refreshTokenTtl } = options.settings;
  const keyring = await createKeyring({
    keys: store.keys,
    alg: options.jwtAlg,
    hmacSecret: options.jwtSecret,
    now,
    retentionSeconds: options.keyRetentionSeconds ?? Math.max(accessTokenTtl, refreshTokenTtl),
    log: options.log,
  });
  const metrics = options.metrics ?? NO_METRICS;
  const ctx: CoreContext = {
    store,
    settings: options.settings,
    hasher: await createPasswordHasher(options.hashParams, options.hashPool, metrics),
    mail: options.mail,
    jwt: createJwtService(keyring, options.settings.issuer, options.issuerPaths ?? []),
    secretHash: createSecretHash(hashKey),
    now,
    log: options.log,
    webhooks: { settings: webhookSettings, box: createSecretBox(webhookKey), wake: () => {} },
    metrics,
  };
  return {
    ...bindAll(ctx, useCases),
    settings: options.settings,
    signingAlg: options.jwtAlg,
    publicJwks: () => keyring.publicJwks(),
    findUserById: async (id) => (id === null ? null : store.users.findById(id)),
    ping: () => store.ping(),
    createWebhookDispatcher: (transport) => {
      const dispatcher = createDispatcher(ctx, transport);
      ctx.webhooks.wake = dispatcher.wake;
      return dispatcher;
    },
    webhookSettings,
    metrics,
  };
}

/**
 * What a front end may do: sign up, sign in, use and end its sessions, manage its own account.
 * The dialects get this face of the core, never the administrative operations.
 */
export type FrontDoorCore = Pick<
  Core,
  | "settings"
  | "register"
  | "login"
  | "changePassword"
  | "deleteAccount"
  | "sendRegistrationCode"
  | "isUsernameAvailable"
  | "registerWithCode"
  | "checkJwt"
  | "issueAccessToken"
  | "issueRefreshJwt"
  | "exchangeAccessToken"
  | "startSession"
  | "revokeSession"
  | "accessProfile"
  | "authenticateClient"
  | "findUserById"
  // The cutover from an original server.
  | "checkLegacyJwt"
  | "exchangeLegacyToken"
  | "revokeLegacyToken"
>;

const FRONT_DOOR_MEMBERS = [
  "settings",
  "register",
  "login",
  "changePassword",
  "deleteAccount",
  "sendRegistrationCode",
  "isUsernameAvailable",
  "registerWithCode",
  "checkJwt",
  "issueAccessToken",
  "issueRefreshJwt",
  "exchangeAccessToken",
  "startSession",
  "revokeSession",
  "accessProfile",
  "authenticateClient",
  "findUserById",
  // The cutover from an original server.
  "checkLegacyJwt",
  "exchangeLegacyToken",
  "revokeLegacyToken",
] as const satisfies readonly (keyof FrontDoorCore)[];

/**
 * The front-door face as an object of its own, so that nothing else is reachable through it.
 * `door` names the front door (a dialect) in the metrics: its logins and the access tokens it
 * issues are counted under that name.
 */
export function frontDoor(core: Core, door: string): FrontDoorCore {
  const face = Object.fromEntries(FRONT_DOOR_MEMBERS.map((name) => [name, core[name]])) as FrontDoorCore;
  const counted = async <T>(issued: Promise<T>): Promise<T> => {
    const token = await issued;
    core.metrics.tokenIssued(door);
    return token;
  };
  return Object.freeze({
    ...face,
    login: (input) => core.login({ ...input, door }),
    issueAccessToken: (options) => counted(core.issueAccessToken(options)),
    exchangeAccessToken: (session, options) => counted(core.exchangeAccessToken(session, options)),
  } satisfies FrontDoorCore);
}

// The domain types and errors the front doors work with; they import them from here.
export type { BuiltInClient, ClientSettings } from "./clients/clients.js";
export type { RequestMeta } from "./context.js";
export { AuthError, type ErrorCode, isAuthError } from "./errors.js";
export { lookupUsername } from "./accounts/identifiers.js";
export type { PasswordPolicy } from "./passwords/policy.js";
export type {
  ActiveSession,
  ClientRecord,
  PermissionRecord,
  TokenEndpointAuthMethod,
  RoleRecord,
  SessionRecord,
  UserRecord,
  UserStatus,
} from "./ports.js";
export type { UserSummary } from "./oauth/types.js";
export type { AccessProfile } from "./rbac/rbac.js";
export type { IssuedToken, TokenCheck } from "./tokens/access-tokens.js";
export type { TokenKind } from "./tokens/jwt.js";
export type { AuthorizationOutcome, AuthorizationParams, AuthorizationRequest } from "./oidc/authorize.js";
export { afterSignIn } from "./oidc/authorize.js";
export { CLAIMS_SUPPORTED, OIDC_SCOPES } from "./oidc/claims.js";
export type { LogoutOutcome, LogoutParams } from "./oidc/logout.js";
export type { Registration } from "./accounts/register.js";
// Webhooks.
export type { DeliveryOutcome, Dispatcher } from "./webhooks/dispatcher.js";
export type { WebhookView } from "./webhooks/endpoints.js";
export type { DeliveryRecord, WebhookTransport } from "./webhooks/ports.js";
export { WEBHOOK_EVENTS } from "./webhooks/catalogue.js";
// The admin API.
export { ADMIN_PERMISSION, type AdminActor, type AuditRecord, type ClientView } from "./admin/index.js";
// The cutover from an original server.
export type { LegacyClaims } from "./legacy/legacy-jwt.js";
export type { LegacyTokenCheck, LegacyTrust } from "./legacy/legacy-tokens.js";
