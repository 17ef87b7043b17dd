import { DAY, integer } from "../types.js";

export const settings = {
  tokenTtl: {
    env: "TERMINAL_TOKEN_TTL",
    default: "3600",
    doc: "Token lifetime in seconds for the `terminal` dialect (no refresh).",
    parse: integer(1, 365 * DAY),
  },
};
