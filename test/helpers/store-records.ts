import type { NewUser, RefreshTokenRecord, SessionRecord } from "../../src/core/ports.js";

/** Records for tests that drive a store directly, below the core. */

/** An active user named `name` (id `user-<name>`), with no email. */
export const newUser = (name: string, passwordHash = "old-hash"): NewUser => ({
  id: `user-${name}`,
  username: name,
  usernameCanonical: name,
  displayName: null,
  email: null,
  emailCanonical: null,
  emailVerified: false,
  phone: null,
  attributes: {},
  status: "active",
  passwordHash,
  createdAt: Date.now(),
});

/** A live session of `userId` that ends a minute from `now`. */
export const newSession = (id: string, userId: string, now = Date.now()): SessionRecord => ({
  id,
  userId,
  clientId: null,
  scope: "",
  terminal: null,
  ip: null,
  userAgent: null,
  createdAt: now,
  lastUsedAt: now,
  expiresAt: now + 60_000,
  refreshUntil: now + 60_000,
  generation: 0,
  revokedAt: null,
  parentId: null,
});

/** An unused refresh token of the session, ending a minute from `now`. */
export const newRefreshToken = (id: string, sessionId: string, now = Date.now()): RefreshTokenRecord => ({
  id,
  sessionId,
  secretHash: "h",
  createdAt: now,
  expiresAt: now + 60_000,
  usedAt: null,
});
