import { DAY, seconds } from "../types.js";

export const settings = {
  accessTtl: seconds("JWT_EXTENDED_ACCESS_TTL", DAY, "Access-token lifetime in seconds for the `jwt-extended` dialect."),
  refreshTtl: seconds(
    "JWT_EXTENDED_REFRESH_TTL",
    30 * DAY,
    "Refresh-token (session) lifetime in seconds for the `jwt-extended` dialect.",
  ),
};
