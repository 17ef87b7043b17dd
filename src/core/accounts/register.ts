import { randomUUID } from "node:crypto";
import { UniqueViolation, type UserRecord } from "../ports.js";
import { audit, type CoreContext } from "../context.js";
import { AuthError } from "../errors.js";
import { checkNewPassword } from "../passwords/policy.js";
import { canonicalEmail, canonicalUsername, checkDisplayName } from "./identifiers.js";

export type Registration = {
  username: string;
  password: string;
  email?: string | null;
  displayName?: string | null;
  phone?: string | null;
  /** Set when the address was proven by a verification code. */
  emailVerified?: boolean;
  /** Roles besides the default `USER` (administrative creation only). */
  roles?: string[];
  /** The caller's address, for the audit trail (none for administrative creation). */
  ip?: string | null;
};

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
  const password = checkNewPassword(input.password, ctx.settings.passwordPolicy, {
    username: display,
    serviceName: ctx.settings.serviceName,
  });
  const passwordHash = await ctx.hasher.hash(password);
  try {
    const user = await ctx.store.users.insert(
      {
        id: randomUUID(),
        username: display,
        usernameCanonical: canonical,
        displayName,
        email,
        emailCanonical,
        emailVerified: input.emailVerified ?? false,
        phone: input.phone ?? null,
        attributes: {},
        status: "active",
        passwordHash,
        createdAt: ctx.now(),
      },
      [DEFAULT_ROLE, ...(input.roles ?? [])],
    );
    await audit(ctx, { event: "register", outcome: "success", userId: user.id, ip: input.ip ?? null });
    return user;
  } catch (error) {
    if (!(error instanceof UniqueViolation)) throw error;
    // Report the username first when both collide, as the legacy APIs did.
    if (error.field === "username" || (await ctx.store.users.findByCanonicalName(canonical))) {
      throw new AuthError("username_taken");
    }
    throw new AuthError("email_taken");
  }
}
