import type { SessionRecord, UserRecord } from "../../store/ports.js";
import { audit, type CoreContext, type RequestMeta } from "../context.js";
import { startSession } from "../sessions/sessions.js";
import { verifyCredentials } from "./authenticate.js";

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
  meta: RequestMeta;
};

export type LoginResult = { user: UserRecord; session: SessionRecord };

/** Verifies the credentials and opens a session; `user.lastLoginAt` already shows this login. */
export async function login(ctx: CoreContext, input: LoginInput): Promise<LoginResult> {
  const user = await verifyCredentials(ctx, input.username, input.password, input.meta, input.identifierMayBeEmail);
  const session = await startSession(ctx, {
    user,
    clientId: input.clientId,
    scope: input.scope,
    terminal: input.terminal ?? null,
    ttlSeconds: input.sessionTtlSeconds,
    ...(input.refreshWindowSeconds === undefined ? {} : { refreshWindowSeconds: input.refreshWindowSeconds }),
    meta: input.meta,
  });
  const at = session.createdAt;
  await ctx.store.users.recordLogin(user.id, at);
  await audit(ctx, { event: "login", outcome: "success", userId: user.id, clientId: input.clientId, ip: input.meta.ip });
  return { user: { ...user, lastLoginAt: at }, session };
}
