import type { ActiveSession, SessionRecord, UserRecord } from "../../store/ports.js";
import type { CoreContext } from "../context.js";
import { liveSession } from "../sessions/sessions.js";
import type { TokenKind, VerifiedJwt, VerifyFailure } from "./jwt.js";

export type IssuedToken = { token: string; expiresIn: number };

type IssueOptions = {
  user: UserRecord;
  session: SessionRecord;
  ttlSeconds: number;
  /** Extra claims a front door's wire format needs; they never override the core's claims. */
  claims?: Record<string, unknown>;
  scope?: string;
};

async function issue(ctx: CoreContext, kind: TokenKind, options: IssueOptions): Promise<IssuedToken> {
  const { user, session } = options;
  const scope = options.scope ?? session.scope;
  const claims: Record<string, unknown> = { ...options.claims, sub: user.id, sid: session.id };
  if (session.clientId) claims.client_id = session.clientId;
  if (scope) claims.scope = scope;
  // Never outlive the session that backs the token (compared in whole seconds, as `exp` is).
  const remaining = Math.floor(session.expiresAt / 1000) - Math.floor(ctx.now() / 1000);
  const ttl = Math.max(1, Math.min(options.ttlSeconds, remaining));
  return { token: await ctx.jwt.sign(kind, claims, ttl, ctx.now()), expiresIn: ttl };
}

export const issueAccessToken = (ctx: CoreContext, options: IssueOptions) => issue(ctx, "access", options);

/** A JWT refresh token, for wire formats that need one; it lives as long as its session. */
export const issueRefreshJwt = (ctx: CoreContext, options: Omit<IssueOptions, "ttlSeconds">) =>
  issue(ctx, "refresh", { ...options, ttlSeconds: Number.MAX_SAFE_INTEGER });

export type TokenCheck =
  | { ok: true; kind: TokenKind; claims: VerifiedJwt["claims"]; session: ActiveSession }
  | { ok: false; reason: VerifyFailure }
  /** The signature and claims were fine; the session behind the token is gone. */
  | { ok: false; reason: "revoked"; kind: TokenKind };

/**
 * Verifies a JWT of either kind and the session behind it. Revocation (logout, password
 * change, disabling, deletion) is seen at once: the session is read on every check.
 */
export async function checkJwt(ctx: CoreContext, token: string): Promise<TokenCheck> {
  const verified = await ctx.jwt.verify(token);
  if (!verified.ok) return verified;
  const { kind, claims } = verified.value;
  const session = await liveSession(ctx, claims.sid);
  if (!session || session.userId !== claims.sub) return { ok: false, reason: "revoked", kind };
  return { ok: true, kind, claims, session };
}
