import { AuthError } from "../errors.js";

export const MAX_USERNAME_LENGTH = 64;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_PHONE_LENGTH = 32;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;

// Control, format, unassigned, private-use and surrogate code points, and any white space.
const FORBIDDEN_IN_USERNAME = /[\p{C}\p{Z}]/u;
// Only what RFC 5322 allows in a plain addr-spec: no quotes, brackets, commas or comments, which
// a mail library would read as address syntax and deliver elsewhere. Linear; length bounded first.
const EMAIL_SHAPE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;

export type CanonicalUsername = { display: string; canonical: string };

/**
 * Validates a username and derives the form that uniqueness is enforced on: NFKC (so that
 * full-width and other compatibility variants collide) and lower case.
 */
export function canonicalUsername(username: string): CanonicalUsername {
  if (username.length === 0 || username.length > MAX_USERNAME_LENGTH * 2) {
    throw new AuthError("username_invalid", `1 to ${MAX_USERNAME_LENGTH} characters`);
  }
  if (FORBIDDEN_IN_USERNAME.test(username)) throw new AuthError("username_invalid", "forbidden characters");
  const display = username.normalize("NFC");
  const canonical = username.normalize("NFKC").toLowerCase();
  if ([...canonical].length > MAX_USERNAME_LENGTH || FORBIDDEN_IN_USERNAME.test(canonical)) {
    throw new AuthError("username_invalid", `1 to ${MAX_USERNAME_LENGTH} characters`);
  }
  return { display, canonical };
}

/** A display name: up to 64 code points, no control or format characters; `null` stays `null`. */
export function checkDisplayName(name: string | null): string | null {
  if (name === null) return null;
  if (name.length > MAX_USERNAME_LENGTH * 2 || [...name].length > MAX_USERNAME_LENGTH || /\p{C}/u.test(name)) {
    throw new AuthError("username_invalid", `a display name has at most ${MAX_USERNAME_LENGTH} printable characters`);
  }
  return name.normalize("NFC");
}

/** The lookup form of a username that may not be valid; `null` when it cannot exist. */
export function lookupUsername(username: string): string | null {
  try {
    return canonicalUsername(username).canonical;
  } catch {
    return null;
  }
}

export function canonicalEmail(email: string): string {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(email)) {
    throw new AuthError("email_invalid", "not a valid email address");
  }
  return email.toLowerCase();
}

/** A phone number as stored: free-form (no one format holds worldwide), short and printable. */
export function checkPhone(phone: string | null): string | null {
  if (phone === null || phone === "") return null;
  if (phone.length > MAX_PHONE_LENGTH || /\p{C}/u.test(phone)) {
    throw new AuthError("invalid_request", `a phone number has at most ${MAX_PHONE_LENGTH} printable characters`);
  }
  return phone;
}

/** Free attributes: a JSON object of bounded size. */
export function checkAttributes(attributes: unknown): Record<string, unknown> {
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new AuthError("invalid_request", "attributes must be an object");
  }
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES_BYTES) {
    throw new AuthError("invalid_request", `attributes are larger than ${MAX_ATTRIBUTES_BYTES} bytes`);
  }
  return attributes as Record<string, unknown>;
}
