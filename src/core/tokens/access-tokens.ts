import { randomUUID } from "node:crypto";
import type { ActiveSession, SessionRecord, UserRecord } from "../ports.js";
import type { CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
import { legacyKeyFor, signLegacyJwt } from "../legacy/legacy-jwt.js";
import { liveSession } from "../sessions/sessions.js";
import type { TokenKind, VerifiedJwt, VerifyFailure } from "./jwt.js";

export type IssuedToken = { token: string; expiresIn: number };

type IssueOptions = {
  /** `null` for a client's own token (client_credentials): `sub` is then the client id. */
  user: UserRecord | null;
  session: SessionRecord;
  ttlSeconds: number;
  /** Extra claims a front door's wire format needs; they never override the core's claims. */
  claims?: Record<string, unknown>;
  scope?: string;
  /** `sub` as the user's UUID (default) or, for wire formats with numeric ids, its number. */
  subject?: "id" | "seq";
  /**
   * The token is the one a login returns: it is timed at the session's start, so that its
   * lifetime is exact whatever time passed between opening the session and signing.
   */
  atLogin?: boolean;
  /** Keep the login's `iat` on a later token (a refresh window counted from the first login). */
  keepLoginIat?: boolean;
  /**
   * Sign HS256 with an original server's shared secret instead of our keyring (the cutover):
   * the header has no `kid` and the claims are the front door's own, plus `jti`, `type`, `sub`
   * and the `sid` and `gen` that tie the token to its session; no `iss` but the front door's.
   */
  legacySecret?: string;
};

const seconds = (ms: number) => Math.floor(ms / 1000);

async function issue(ctx: CoreContext, kind: TokenKind, options: IssueOptions): Promise<IssuedToken> {
  const { user, session } = options;
  const scope = options.scope ?? session.scope;
  const claims: Record<string, unknown> = {
    ...options.claims,
    sub: user === null ? session.clientId : options.subject === "seq" ? user.seq : user.id,
    sid: session.id,
    gen: session.generation,
  };
  if (session.clientId) claims.client_id = session.clientId;
  if (scope) claims.scope = scope;
  const loginTime = seconds(session.createdAt);
  const now = options.atLogin ? loginTime : seconds(ctx.now());
  const issuedAt = options.atLogin || options.keepLoginIat ? loginTime : now;
  // Never outlive the session that backs the token.
  const expiresAt = Math.max(now + 1, Math.min(now + options.ttlSeconds, seconds(session.expiresAt)));
  const times = { issuedAt, notBefore: now, expiresAt };
  const token = options.legacySecret
    ? await signLegacyJwt(legacyKeyFor(options.legacySecret), { jti: randomUUID(), ...claims, type: kind }, times)
    : await ctx.jwt.sign(kind, claims, times);
  return { token, expiresIn: expiresAt - now };
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

/** How stale a session's "last used" time may get before a token check refreshes it. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Verifies a JWT of either kind and the session behind it. Revocation (logout, password
 * change, disabling, deletion, a newer token generation) is seen at once: the session is read
 * on every check.
 */
export async function checkJwt(ctx: CoreContext, token: string): Promise<TokenCheck> {
  const verified = await ctx.jwt.verify(token);
  if (!verified.ok) return verified;
  return checkSessionOf(ctx, verified.value.kind, verified.value.claims);
}

/** The session behind a token whose signature and claims were verified: live, its owner's, of its generation. */
export async function checkSessionOf(ctx: CoreContext, kind: TokenKind, claims: VerifiedJwt["claims"]): Promise<TokenCheck> {
  const session = await liveSession(ctx, claims.sid);
  const owner =
    session !== null &&
    (session.userId === null ? claims.sub === session.clientId : claims.sub === session.userId || claims.sub === session.userSeq);
  if (!session || !owner || claims.gen !== session.generation) return { ok: false, reason: "revoked", kind };
  if (ctx.now() - session.lastUsedAt > TOUCH_INTERVAL_MS) await ctx.store.sessions.touch(session.id, ctx.now());
  return { ok: true, kind, claims, session };
}

/**
 * Exchanges a valid access token for a new one in the same session while its refresh window
 * is open; the presented token (and any other of its generation) dies at once. Of concurrent
 * exchanges of one token, exactly one wins.
 */
export async function exchangeAccessToken(
  ctx: CoreContext,
  session: ActiveSession,
  options: Omit<IssueOptions, "session" | "user">,
): Promise<IssuedToken> {
  if (ctx.now() >= session.refreshUntil) throw new AuthError("invalid_grant", "the refresh window has closed");
  if (!(await ctx.store.sessions.advanceGeneration(session.id, session.generation))) {
    throw new AuthError("invalid_grant", "the token was already exchanged");
  }
  const user = session.userId === null ? null : await ctx.store.users.findById(session.userId);
  if (!user) throw new AuthError("invalid_grant");
  return issue(ctx, "access", { ...options, user, session: { ...session, generation: session.generation + 1 } });
}
