import type { UserRecord } from "../../ports.js";
import type { TokenResponse } from "../types.js";

export const userSummary = (user: UserRecord): TokenResponse["user"] => ({
  id: user.id,
  seq: user.seq,
  username: user.username,
  displayName: user.displayName,
  email: user.email,
});
