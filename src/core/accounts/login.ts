import type { LoginOutcome, SessionRecord, UserRecord } from "../ports.js";
import { audit, auditingFailures, type CoreContext, type RequestMeta } from "../context.js";
import { isAuthError } from "../errors.js";
import { startSession } from "../sessions/sessions.js";
import { mintRefreshToken } from "../tokens/refresh-tokens.js";
import { emit } from "../webhooks/outbox.js";
import { checkCredentials, withRecordedSuccess } from "./authenticate.js";

export type LoginInput = {
  username: string;
  password: string;
  clientId: string | null;
  scope: string;
  terminal?: string | null;
  sessionTtlSeconds: number;
  /** How long new tokens may be issued for the session (default: its whole life). */
  refreshWindowSeconds?: number;
  /** Look an identifier containing `@` up as an email address. */
  identifierMayBeEmail?: boolean;
  /** Also mint an opaque refresh token for the session, in the same transaction. */
  withRefreshToken?: boolean;
  meta: RequestMeta;
  /**
   * The front door, for the metrics: a dialect's name (set by `frontDoor`), `oauth_password`
   * or `oidc_hosted`; `other` when not given.
   */
  door?: string;
};

export type LoginResult = { user: UserRecord; session: SessionRecord; refreshToken?: string };

/**
 * Verifies the credentials and opens a session; `user.lastLoginAt` already shows this login.
 * Everything the login writes after the password check (the cleared failure count, the session
 * and the policy's revocations, the last-login time, the audit record and the refresh token)
 * is one transaction: a crash leaves all of it or none, and it costs one commit.
 */
export async function login(ctx: CoreContext, input: LoginInput): Promise<LoginResult> {
  const attempt = { event: "login", clientId: input.clientId, ip: input.meta.ip };
  const door = input.door ?? "other";
  try {
    const result = await auditingFailures(ctx, attempt, () => openSession(ctx, input));
    ctx.metrics.login(door, "success");
    return result;
  } catch (error) {
    ctx.metrics.login(door, loginOutcomeOf(error));
    throw error;
  }
}

function loginOutcomeOf(error: unknown): LoginOutcome {
  if (!isAuthError(error)) return "error";
  if (error.code === "invalid_credentials" || error.code === "account_disabled") return "failure";
  return error.code === "service_unavailable" ? "unavailable" : "error";
}

async function openSession(ctx: CoreContext, input: LoginInput): Promise<LoginResult> {
  const checked = await checkCredentials(ctx, input.username, input.password, input.meta, input.identifierMayBeEmail);
  const { user } = checked;
  return withRecordedSuccess(ctx, checked, input.meta.ip, async (tx) => {
    const session = await startSession(tx, {
      user,
      clientId: input.clientId,
      scope: input.scope,
      terminal: input.terminal ?? null,
      ttlSeconds: input.sessionTtlSeconds,
      ...(input.refreshWindowSeconds === undefined ? {} : { refreshWindowSeconds: input.refreshWindowSeconds }),
      meta: input.meta,
    });
    const at = session.createdAt;
    await tx.store.users.recordLogin(user.id, at);
    await audit(tx, { event: "login", outcome: "success", userId: user.id, clientId: input.clientId, ip: input.meta.ip });
    await emit(tx, "session.created", { sessionId: session.id, userId: user.id, clientId: input.clientId });
    const refreshToken = input.withRefreshToken ? await mintRefreshToken(tx, session) : undefined;
    return { user: { ...user, lastLoginAt: at }, session, ...(refreshToken === undefined ? {} : { refreshToken }) };
  });
}
