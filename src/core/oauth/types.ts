import type { ClientRecord, UserRecord } from "../ports.js";
import type { CoreContext, RequestMeta } from "../context.js";

/** The parameters of a token request, already taken off the wire. */
export type TokenRequest = {
  grantType: string;
  scope: string | null;
  username: string | null;
  password: string | null;
  refreshToken: string | null;
  /** The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  code?: string | null;
  redirectUri?: string | null;
  codeVerifier?: string | null;
};

export type TokenResponse = {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  /** OpenID Connect: when `openid` was granted. */
  id_token?: string;
  /** The account the tokens were issued for (front doors may add its fields); `null` for a client's own. */
  user: UserSummary | null;
};

/** One grant type: a small module behind this contract, registered in `grants/index.ts`. */
export type Grant = (ctx: CoreContext, client: ClientRecord, request: TokenRequest, meta: RequestMeta) => Promise<TokenResponse>;

/** What a token response tells a front door about the account it was issued for. */
export type UserSummary = Pick<UserRecord, "id" | "seq" | "username" | "displayName" | "email">;
