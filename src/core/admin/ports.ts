import type { AuditEvent, PermissionRecord, RoleRecord, SessionRecord, UserRecord, UserStatus } from "../ports.js";

/** Which users a search returns: every condition given must hold. */
export type UserFilter = {
  /** A prefix of the canonical username or of the canonical email address. */
  prefix: string | null;
  status: UserStatus | null;
  roleId: number | null;
};

/** What an administrator may change on an account; a key left out stays as it is. */
export type ProfileChanges = Partial<{
  email: string | null;
  emailCanonical: string | null;
  emailVerified: boolean;
  phone: string | null;
  displayName: string | null;
  attributes: Record<string, unknown>;
  status: UserStatus;
}>;

/** A stored audit record, numbered in the order it was written. */
export type AuditRecord = Required<Omit<AuditEvent, "outcome">> & { id: number; outcome: AuditEvent["outcome"] };

export type AuditFilter = {
  userId: string | null;
  event: string | null;
  outcome: AuditEvent["outcome"] | null;
  /** Epoch ms, inclusive. */
  since: number | null;
  /** Epoch ms, exclusive. */
  until: number | null;
};

export type AdminStats = {
  users: Record<UserStatus, number>;
  liveSessions: number;
  clients: number;
  /** Password logins in the 24 hours before `now`, succeeded and failed. */
  logins: number;
  failedLogins: number;
};

/** The admin API's reads and writes; each write is one statement, its rule held by the database. */
export interface AdminRepository {
  /** Users matching the filter with a number above `afterSeq`, in number order, at most `limit`. */
  searchUsers(filter: UserFilter, afterSeq: number | null, limit: number): Promise<UserRecord[]>;
  /** Applies the changes; `null` if the user does not exist. A taken address is a `UniqueViolation`. */
  updateProfile(id: string, changes: ProfileChanges, at: number): Promise<UserRecord | null>;
  /** Takes the role from the user; false if they did not hold it. */
  removeRole(userId: string, roleId: number): Promise<boolean>;
  /** Every role, by id. */
  listRoles(): Promise<RoleRecord[]>;
  /** The permissions granted to the role, by id. */
  permissionsOfRole(roleId: number): Promise<PermissionRecord[]>;
  /** Every permission, by id. */
  listPermissions(): Promise<PermissionRecord[]>;
  setRoleDescription(roleId: number, description: string | null): Promise<boolean>;
  deleteRole(roleId: number): Promise<boolean>;
  deletePermission(permissionId: number): Promise<boolean>;
  revokePermission(roleId: number, permissionId: number): Promise<boolean>;
  deleteClient(id: string): Promise<boolean>;
  /** Revokes every live session opened for the client (its users' and its own); how many. */
  revokeSessionsOfClient(clientId: string, at: number): Promise<number>;
  /** Replaces a confidential client's secret hash; false if the client is unknown or public. */
  setClientSecret(id: string, secretHash: string): Promise<boolean>;
  findSession(id: string): Promise<SessionRecord | null>;
  /** Records matching the filter numbered below `beforeId`, newest first, at most `limit`. */
  queryAudit(filter: AuditFilter, beforeId: number | null, limit: number): Promise<AuditRecord[]>;
  /** Oldest first: the records numbered above `afterId` that match `filter`, at most `limit`. */
  queryAuditAfter(filter: AuditFilter, afterId: number, limit: number): Promise<AuditRecord[]>;
  stats(now: number): Promise<AdminStats>;
}
