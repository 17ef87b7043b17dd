import { authorizationCodeGrant } from "../../oidc/code-grant.js";
import type { Grant } from "../types.js";
import { clientCredentialsGrant } from "./client-credentials.js";
import { passwordGrant } from "./password.js";
import { refreshTokenGrant } from "./refresh-token.js";

/** The grant types `/oauth/token` serves, by their RFC 6749 name. */
export const GRANTS: Readonly<Record<string, Grant>> = Object.freeze({
  password: passwordGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  authorization_code: authorizationCodeGrant,
});
