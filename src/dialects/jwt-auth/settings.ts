import { DAY, seconds } from "../types.js";

export const settings = {
  ttl: seconds("JWT_AUTH_TTL", 2 * DAY, "Access-token lifetime in seconds for the `jwt-auth` dialect."),
  refreshWindow: seconds(
    "JWT_AUTH_REFRESH_WINDOW",
    14 * DAY,
    "Seconds after the first login during which a `jwt-auth` token can still be refreshed.",
  ),
};
