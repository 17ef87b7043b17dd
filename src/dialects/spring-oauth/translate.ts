import type { UserSummary } from "../../core/index.js";

export const ok = (message: string, data: unknown = null) => ({ code: 200, message, data });
export const refused = (message: string) => ({ code: 400, message, data: null });

/** `id` is the login name and `username` the display name, as in the original. */
export const account = (user: UserSummary) => ({
  id: user.username,
  email: user.email,
  username: user.displayName ?? user.username,
});
