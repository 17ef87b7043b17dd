import { DAY, integer } from "../types.js";

export const settings = {
  ttl: {
    env: "JWT_AUTH_TTL",
    default: String(2 * DAY),
    doc: "Access-token lifetime in seconds for the `jwt-auth` dialect.",
    parse: integer(1, 365 * DAY),
  },
  refreshWindow: {
    env: "JWT_AUTH_REFRESH_WINDOW",
    default: String(14 * DAY),
    doc: "Seconds after the first login during which a `jwt-auth` token can still be refreshed.",
    parse: integer(1, 365 * DAY),
  },
};
