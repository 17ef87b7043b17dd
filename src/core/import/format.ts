import { isAuthError } from "../errors.js";
import {
  canonicalEmail,
  canonicalUsername,
  checkDisplayName,
  MAX_ATTRIBUTES_BYTES,
  MAX_PHONE_LENGTH,
} from "../accounts/identifiers.js";
import { inspectHash } from "../passwords/formats.js";
import { normalisePassword, type PasswordPolicy } from "../passwords/policy.js";
import type { ImportedRole, UserStatus } from "../ports.js";

/**
 * Gatehouse's import format (docs/import.md): one JSON object a line, a role or a user. This
 * module checks one object and turns it into what the import writes, or says why it cannot.
 */

/**
 * The stored hash of an account imported without a password: no password verifies against it
 * (the hasher runs its dummy verification for any hash that is not of a known format, and
 * `inspectHash` refuses it, so no input can bring it in as a hash). The account can log in only
 * once its password is set anew.
 */
export const NO_PASSWORD_HASH = "!gatehouse-import:no-password";

/** A user line, checked: identifiers canonical, times in epoch milliseconds. */
export type UserLine = {
  id: string | null;
  seq: number | null;
  username: string;
  usernameCanonical: string;
  email: string | null;
  emailCanonical: string | null;
  emailVerified: boolean;
  phone: string | null;
  displayName: string | null;
  attributes: Record<string, unknown>;
  status: UserStatus;
  createdAt: number | null;
  lastLoginAt: number | null;
  roles: string[];
  /** Exactly one of the two, or neither. `password` is already normalised (NFKC). */
  passwordHash: string | null;
  password: string | null;
};

export type ParsedLine = { kind: "role"; role: ImportedRole } | { kind: "user"; user: UserLine };

/** A row that cannot be imported; `message` is the reason written to the rejects file. */
export class RowRejected extends Error {}

const reject = (message: string): never => {
  throw new RowRejected(message);
};

export const DEFAULT_IMPORT_ROLE = "USER";
const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 256;
const MAX_HASH_LENGTH = 1024;
const MAX_ROLES = 64;

const USER_FIELDS = new Set([
  "type",
  "id",
  "seq",
  "username",
  "email",
  "email_verified",
  "phone",
  "display_name",
  "attributes",
  "status",
  "created_at",
  "last_login_at",
  "roles",
  "password_hash",
  "password",
]);
const ROLE_FIELDS = new Set(["type", "name", "description", "permissions"]);

// A name or id: no white space, control or format characters.
const NAME_SHAPE = /^[^\p{C}\p{Z}]+$/u;
// ISO 8601: a date, or a date and time with its offset (a time without one would be read in
// the importing machine's own zone).
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;
const LATEST_TIME = 8.64e15;

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

function optionalString(fields: Fields, name: string, max: number): string | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return reject(`${name} must be a string`);
  if (value.length > max) return reject(`${name} is longer than ${max} characters`);
  return value;
}

function checkName(value: unknown, what: string, max = MAX_NAME_LENGTH): string {
  if (typeof value !== "string" || value === "") return reject(`${what} must be a non-empty string`);
  if ([...value].length > max || !NAME_SHAPE.test(value)) {
    return reject(`${what} must be 1 to ${max} characters without spaces or control characters`);
  }
  return value;
}

/** An instant as ISO 8601 text or epoch milliseconds. */
function optionalTime(fields: Fields, name: string): number | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0 || value > LATEST_TIME) return reject(`${name} must be epoch milliseconds`);
    return value;
  }
  if (typeof value !== "string" || !ISO_8601.test(value)) {
    return reject(`${name} must be ISO 8601 with a time zone (or a date), or epoch milliseconds`);
  }
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? reject(`${name} is not a valid date`) : ms;
}

function checkRoles(value: unknown): string[] {
  if (value === undefined) return [DEFAULT_IMPORT_ROLE];
  if (!Array.isArray(value)) return reject("roles must be an array of role names");
  if (value.length > MAX_ROLES) return reject(`roles lists more than ${MAX_ROLES} roles`);
  return [...new Set(value.map((role) => checkName(role, "every role")))];
}

/** The identifiers as registration checks them; a refusal keeps registration's reason. */
function identifiers(
  fields: Fields,
): Pick<UserLine, "username" | "usernameCanonical" | "email" | "emailCanonical" | "displayName"> {
  if (typeof fields.username !== "string") return reject("username is required and must be a string");
  try {
    const { display, canonical } = canonicalUsername(fields.username);
    const email = optionalString(fields, "email", 1024) || null;
    const displayName = checkDisplayName(optionalString(fields, "display_name", 1024));
    return {
      username: display,
      usernameCanonical: canonical,
      email,
      emailCanonical: email && canonicalEmail(email),
      displayName,
    };
  } catch (error) {
    if (isAuthError(error)) return reject(`${error.code}${error.detail ? `: ${error.detail}` : ""}`);
    throw error;
  }
}

/** `password_hash` (any format `inspectHash` accepts), `password` (plaintext), or neither. */
function credentials(fields: Fields, policy: PasswordPolicy): Pick<UserLine, "password" | "passwordHash"> {
  const hash = fields.password_hash;
  const password = fields.password;
  if (hash !== undefined && hash !== null && password !== undefined && password !== null) {
    return reject("give password_hash or password, not both");
  }
  if (hash !== undefined && hash !== null) {
    if (typeof hash !== "string" || hash.length > MAX_HASH_LENGTH) return reject("password_hash must be a string");
    const inspection = inspectHash(hash);
    if (!inspection.ok) return reject(`password_hash: ${inspection.reason}`);
    return { passwordHash: hash, password: null };
  }
  if (password === undefined || password === null) return { passwordHash: null, password: null };
  if (typeof password !== "string") return reject("password must be a string");
  // The policy's lengths apply (a password the login would refuse to check is useless), its
  // blocklist does not: the user chose it under the old server's rules, and refusing the row
  // would lose the account; the blocklist applies at their next change.
  try {
    const normalised = normalisePassword(password, policy);
    if ([...normalised].length < policy.minLength) return reject(`password is shorter than ${policy.minLength} characters`);
    return { password: normalised, passwordHash: null };
  } catch (error) {
    if (isAuthError(error)) return reject(`password: ${error.detail ?? error.code}`);
    throw error;
  }
}

function parseUser(fields: Fields, policy: PasswordPolicy): UserLine {
  for (const name of Object.keys(fields)) if (!USER_FIELDS.has(name)) reject(`unknown field ${JSON.stringify(name)}`);
  const id = fields.id === undefined || fields.id === null ? null : checkName(fields.id, "id", MAX_ID_LENGTH);
  const seq = fields.seq ?? null;
  if (seq !== null && (!Number.isSafeInteger(seq) || (seq as number) < 1)) reject("seq must be a positive integer");
  const verified = fields.email_verified ?? false;
  if (typeof verified !== "boolean") reject("email_verified must be true or false");
  const status = fields.status ?? "active";
  if (status !== "active" && status !== "disabled") reject('status must be "active" or "disabled"');
  const attributes = fields.attributes ?? {};
  if (!isObject(attributes)) reject("attributes must be an object");
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES_BYTES) reject(`attributes is larger than ${MAX_ATTRIBUTES_BYTES} bytes`);
  const phone = optionalString(fields, "phone", MAX_PHONE_LENGTH);
  if (phone !== null && /\p{C}/u.test(phone)) reject("phone contains control characters");
  return {
    id,
    seq: seq as number | null,
    ...identifiers(fields),
    emailVerified: verified as boolean,
    phone,
    attributes: attributes as Record<string, unknown>,
    status: status as UserStatus,
    createdAt: optionalTime(fields, "created_at"),
    lastLoginAt: optionalTime(fields, "last_login_at"),
    roles: checkRoles(fields.roles),
    ...credentials(fields, policy),
  };
}

function parseRole(fields: Fields): ImportedRole {
  for (const name of Object.keys(fields)) if (!ROLE_FIELDS.has(name)) reject(`unknown field ${JSON.stringify(name)}`);
  const name = checkName(fields.name, "name");
  const description = optionalString(fields, "description", MAX_DESCRIPTION_LENGTH);
  const listed = fields.permissions ?? [];
  if (!Array.isArray(listed)) return reject("permissions must be an array");
  // De-duplicated by name; the last description given wins.
  const permissions = new Map<string, string | null>();
  for (const permission of listed) {
    if (!isObject(permission)) return reject("every permission must be an object with a name");
    const unknown = Object.keys(permission).find((key) => key !== "name" && key !== "description");
    if (unknown !== undefined) return reject(`unknown field ${JSON.stringify(unknown)} in a permission`);
    const permissionName = checkName(permission.name, "a permission's name");
    permissions.set(
      permissionName,
      optionalString(permission, "description", MAX_DESCRIPTION_LENGTH) ?? permissions.get(permissionName) ?? null,
    );
  }
  return {
    name,
    description,
    permissions: [...permissions].map(([permissionName, text]) => ({ name: permissionName, description: text })),
  };
}

/** Checks one object of the format; throws `RowRejected` with the reason. */
export function parseImportLine(value: unknown, policy: PasswordPolicy): ParsedLine {
  if (!isObject(value)) return reject("a line must be a JSON object");
  const type = value.type ?? "user";
  if (type === "role") return { kind: "role", role: parseRole(value) };
  if (type !== "user") return reject('type must be "user" or "role"');
  return { kind: "user", user: parseUser(value, policy) };
}
