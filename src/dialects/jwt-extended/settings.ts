import { legacySecretSettings } from "../../http/legacy-secret.js";
import { DAY, seconds } from "../types.js";

/** The prefix of this dialect's cutover settings (`JWT_EXTENDED_LEGACY_SECRET`, ...). */
export const LEGACY_PREFIX = "JWT_EXTENDED";

export const settings = {
  accessTtl: seconds("JWT_EXTENDED_ACCESS_TTL", DAY, "Access-token lifetime in seconds for the `jwt-extended` dialect."),
  refreshTtl: seconds(
    "JWT_EXTENDED_REFRESH_TTL",
    30 * DAY,
    "Refresh-token (session) lifetime in seconds for the `jwt-extended` dialect.",
  ),
  ...legacySecretSettings(LEGACY_PREFIX, "Flask (flask-jwt-extended)"),
};
