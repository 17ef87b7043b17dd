import { AuthError } from "../errors.js";
import { isCommonPassword } from "./common-passwords.js";

export type PasswordPolicy = { minLength: number; maxLength: number };

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Normalises a password (NFKC, so that composed and decomposed input verify alike) and checks
 * it against the policy. Lengths count Unicode code points. Nothing is trimmed or folded.
 * Throws `AuthError` with the reason; returns the normalised password to hash or verify.
 */
export function checkNewPassword(
  password: string,
  policy: PasswordPolicy,
  context: { username: string; serviceName: string },
): string {
  const normalised = normalisePassword(password, policy);
  const length = [...normalised].length;
  if (length < policy.minLength) throw new AuthError("password_too_short", `at least ${policy.minLength} characters`);
  const folded = normalised.toLowerCase();
  // Context words (NIST SP 800-63B): the username and the service's own name.
  const words = [context.username, context.serviceName].map((word) => word.normalize("NFKC").toLowerCase());
  if (isCommonPassword(folded) || words.some((word) => word.length >= 3 && folded.includes(word))) {
    throw new AuthError("password_too_common", "the password is too common or contains the username or the service name");
  }
  return normalised;
}

/** Normalisation shared by setting and verifying; rejects what cannot be stored faithfully. */
export function normalisePassword(password: string, policy: PasswordPolicy): string {
  // Cheap bound before any per-character work: a code point is at most 2 UTF-16 units.
  if (password.length > policy.maxLength * 2) throw new AuthError("password_too_long", `at most ${policy.maxLength} characters`);
  if (LONE_SURROGATE.test(password.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "")) || password.includes("\u0000")) {
    throw new AuthError("password_invalid", "the password contains characters that cannot be stored");
  }
  const normalised = password.normalize("NFKC");
  if ([...normalised].length > policy.maxLength)
    throw new AuthError("password_too_long", `at most ${policy.maxLength} characters`);
  return normalised;
}
