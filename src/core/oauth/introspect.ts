import type { ActiveSession } from "../ports.js";
import type { CoreContext } from "../context.js";
import { liveSession } from "../sessions/sessions.js";
import { checkJwt } from "../tokens/access-tokens.js";
import { findRefreshToken } from "../tokens/refresh-tokens.js";

export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: Introspection = Object.freeze({ active: false });

/**
 * RFC 7662: anything not active (unknown, forged, expired, revoked, rotated) is exactly
 * `{"active": false}`. Access tokens are checked by signature, claims and session; refresh
 * tokens by their stored state.
 */
export async function introspect(ctx: CoreContext, token: string): Promise<Introspection> {
  if (token.length === 0 || token.length > 4096) return INACTIVE;
  if (token.split(".").length === 3) {
    const checked = await checkJwt(ctx, token);
    if (!checked.ok || checked.kind !== "access") return INACTIVE;
    const { claims, session } = checked;
    return describe(ctx, session, {
      token_type: "Bearer",
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.nbf,
      jti: claims.jti,
      scope: claims.scope,
    });
  }
  const found = await findRefreshToken(ctx, token);
  if (!found || found.record.usedAt !== null || found.record.expiresAt <= ctx.now()) return INACTIVE;
  if (!(await liveSession(ctx, found.session.id))) return INACTIVE;
  return describe(ctx, found.session, {
    token_type: "refresh_token",
    exp: Math.floor(found.record.expiresAt / 1000),
    iat: Math.floor(found.record.createdAt / 1000),
    scope: found.session.scope,
  });
}

function describe(ctx: CoreContext, session: ActiveSession, fields: Record<string, unknown>): Introspection {
  const scope = typeof fields.scope === "string" && fields.scope.length > 0 ? fields.scope : undefined;
  return {
    active: true,
    ...fields,
    scope,
    client_id: session.clientId ?? undefined,
    username: session.username ?? undefined,
    sub: session.userId ?? session.clientId,
    sid: session.id,
    iss: ctx.settings.issuer,
  };
}
