import { seconds } from "../types.js";

export const settings = {
  tokenTtl: seconds("TERMINAL_TOKEN_TTL", 3600, "Token lifetime in seconds for the `terminal` dialect (no refresh)."),
};
