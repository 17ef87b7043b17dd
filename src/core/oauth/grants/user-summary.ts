import type { UserRecord } from "../../ports.js";
import type { UserSummary } from "../types.js";

export const userSummary = (user: UserRecord): UserSummary => ({
  id: user.id,
  seq: user.seq,
  username: user.username,
  displayName: user.displayName,
  email: user.email,
});
