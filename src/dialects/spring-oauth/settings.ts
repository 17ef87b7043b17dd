import { boolean, DAY, integer, text } from "../types.js";

export const settings = {
  clientId: {
    env: "SPRING_CLIENT_ID",
    default: "watup",
    doc: "Id of the built-in first-party client that `spring-oauth` logins use and its front ends send to `/oauth/token`.",
    parse: text,
  },
  clientSecret: {
    env: "SPRING_CLIENT_SECRET",
    default: "watup",
    doc: "The secret those front ends ship (so it is no secret); empty makes the client public.",
    parse: text,
  },
  accessTtl: {
    env: "SPRING_ACCESS_TTL",
    default: "3600",
    doc: "Access-token lifetime in seconds for the `spring-oauth` client.",
    parse: integer(1, 365 * DAY),
  },
  refreshTtl: {
    env: "SPRING_REFRESH_TTL",
    default: String(DAY),
    doc: "Refresh-token (session) lifetime in seconds for the `spring-oauth` client.",
    parse: integer(1, 365 * DAY),
  },
  checkTokenOpen: {
    env: "SPRING_CHECK_TOKEN_OPEN",
    default: "false",
    doc: "`true` lets `/oauth/check_token` answer without client authentication, as the original did.",
    parse: boolean,
  },
};
