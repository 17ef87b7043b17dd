import { randomUUID } from "node:crypto";
import { type AuditEvent, UniqueViolation, type UserRecord, type UserStatus } from "../ports.js";
import { audit, type CoreContext, inTransaction } from "../context.js";
import { AuthError } from "../errors.js";
import { checkNewPassword } from "../passwords/policy.js";
import { BY_CLI, BY_SELF } from "../webhooks/catalogue.js";
import { emit } from "../webhooks/outbox.js";
import { canonicalEmail, canonicalUsername, checkDisplayName } from "./identifiers.js";

export type Registration = {
  username: string;
  /** `null`: no password at all, so no password sign-in until one is set (administrative creation only). */
  password: string | null;
  email?: string | null;
  displayName?: string | null;
  phone?: string | null;
  /** Set when the address was proven by a verification code. */
  emailVerified?: boolean;
  /** Roles besides the default `USER` (administrative creation only). */
  roles?: string[];
  /** The caller's address, for the audit trail (none for administrative creation). */
  ip?: string | null;
  /** Administrative creation only: `disabled` creates an account that cannot sign in yet. */
  status?: UserStatus;
  /** Administrative creation through the admin API records its own event, naming the admin. */
  auditAs?: Pick<AuditEvent, "event" | "actor" | "ip">;
};

/** Stored for an account created without a password: no format parses it, so no password matches. */
export const NO_PASSWORD = "!";

export const DEFAULT_ROLE = "USER";

/**
 * Creates an account with the default role. Uniqueness of the username (after NFKC and case
 * folding) and of the email is enforced by the database, so concurrent registrations of
 * variants of one name yield exactly one account.
 */
export async function register(ctx: CoreContext, input: Registration): Promise<UserRecord> {
  const { display, canonical } = canonicalUsername(input.username);
  const displayName = checkDisplayName(input.displayName ?? null);
  const email = input.email ? input.email : null;
  const emailCanonical = email === null ? null : canonicalEmail(email);
  const passwordHash = input.password === null ? NO_PASSWORD : await hashNewPassword(ctx, input.password, display);
  try {
    const newUser = {
      id: randomUUID(),
      username: display,
      usernameCanonical: canonical,
      displayName,
      email,
      emailCanonical,
      emailVerified: input.emailVerified ?? false,
      phone: input.phone ?? null,
      attributes: {},
      status: input.status ?? "active",
      passwordHash,
      createdAt: ctx.now(),
    };
    // The account, its audit record and its webhook event: one transaction.
    return await inTransaction(ctx, async (tx) => {
      const user = await tx.store.users.insertInTransaction(newUser, [DEFAULT_ROLE, ...(input.roles ?? [])]);
      await audit(tx, { event: "register", ip: input.ip ?? null, ...input.auditAs, outcome: "success", userId: user.id });
      const by = input.auditAs?.actor ?? (input.ip === undefined ? BY_CLI : BY_SELF);
      await emit(tx, "user.created", { userId: user.id, username: user.username, email: user.email, status: user.status, by });
      return user;
    });
  } catch (error) {
    if (!(error instanceof UniqueViolation)) throw error;
    // Report the username first when both collide, as the legacy APIs did.
    if (error.field === "username" || (await ctx.store.users.findByCanonicalName(canonical))) {
      throw new AuthError("username_taken");
    }
    throw new AuthError("email_taken");
  }
}

/** A new password checked against the policy, then hashed. */
export function hashNewPassword(ctx: CoreContext, password: string, username: string): Promise<string> {
  const checked = checkNewPassword(password, ctx.settings.passwordPolicy, { username, serviceName: ctx.settings.serviceName });
  return ctx.hasher.hash(checked);
}
