import { legacySecretSettings } from "../../http/legacy-secret.js";
import { DAY, seconds } from "../types.js";

/** The prefix of this dialect's cutover settings (`JWT_AUTH_LEGACY_SECRET`, ...). */
export const LEGACY_PREFIX = "JWT_AUTH";

export const settings = {
  ttl: seconds("JWT_AUTH_TTL", 2 * DAY, "Access-token lifetime in seconds for the `jwt-auth` dialect."),
  refreshWindow: seconds(
    "JWT_AUTH_REFRESH_WINDOW",
    14 * DAY,
    "Seconds after the first login during which a `jwt-auth` token can still be refreshed.",
  ),
  ...legacySecretSettings(LEGACY_PREFIX, "Lumen (tymon/jwt-auth)"),
};
