import { boolean, DAY, seconds, text } from "../types.js";

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
  accessTtl: seconds("SPRING_ACCESS_TTL", 3600, "Access-token lifetime in seconds for the `spring-oauth` client."),
  refreshTtl: seconds("SPRING_REFRESH_TTL", DAY, "Refresh-token (session) lifetime in seconds for the `spring-oauth` client."),
  checkTokenOpen: {
    env: "SPRING_CHECK_TOKEN_OPEN",
    default: "false",
    doc: "`true` lets `/oauth/check_token` answer without client authentication, as the original did.",
    parse: boolean,
  },
};
