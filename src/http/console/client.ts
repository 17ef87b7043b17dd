import type { Config } from "../../config/schema.js";
import type { BuiltInClient } from "../../core/index.js";

/** The console's own OAuth client: public (PKCE alone), first-party, created at every start. */
export const CONSOLE_CLIENT_ID = "gatehouse-console";

/**
 * The console signs in through the authorization code flow like any browser app; its redirect
 * URIs follow from `ISSUER`, where the console is served. A user's admin access comes from the
 * role's permission, not a scope (docs/admin-api.md), so it asks only for `openid profile`.
 */
export function consoleClient(config: Config): BuiltInClient {
  return {
    id: CONSOLE_CLIENT_ID,
    legacySecret: "",
    grants: ["authorization_code", "refresh_token"],
    scopes: ["openid", "profile"],
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
    redirectUris: [`${config.issuer}/console/callback`],
    postLogoutRedirectUris: [`${config.issuer}/console/`],
  };
}
