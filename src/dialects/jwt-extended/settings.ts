import { DAY, integer } from "../types.js";

export const settings = {
  accessTtl: {
    env: "JWT_EXTENDED_ACCESS_TTL",
    default: String(DAY),
    doc: "Access-token lifetime in seconds for the `jwt-extended` dialect.",
    parse: integer(1, 365 * DAY),
  },
  refreshTtl: {
    env: "JWT_EXTENDED_REFRESH_TTL",
    default: String(30 * DAY),
    doc: "Refresh-token (session) lifetime in seconds for the `jwt-extended` dialect.",
    parse: integer(1, 365 * DAY),
  },
};
