import type { AdminRepository } from "./admin/ports.js";
import type { WebhookRepository } from "./webhooks/ports.js";

/**
 * The storage interfaces the core needs. Times are epoch milliseconds. Every rule that must
 * hold across processes is enforced by the implementation with constraints or conditional
 * updates, never by a read followed by a write in the core.
 */

export type UserStatus = "active" | "disabled";

export type UserRecord = {
  id: string;
  seq: number;
  username: string;
  usernameCanonical: string;
  displayName: string | null;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  attributes: Record<string, unknown>;
  status: UserStatus;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
  /** Times the account was locked since its last successful login (for progressive delays). */
  lockouts: number;
};

export type NewUser = Omit<UserRecord, "seq" | "lastLoginAt" | "updatedAt" | "lockouts"> & {
  emailCanonical: string | null;
};

export type RoleRecord = { id: number; name: string; description: string | null };
export type PermissionRecord = { id: number; name: string; description: string | null };

export type SessionRecord = {
  id: string;
  /** `null` for a client's own session (client_credentials): no user behind it. */
  userId: string | null;
  clientId: string | null;
  scope: string;
  terminal: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  lastUsedAt: number;
  /** When the session and every token of it die. */
  expiresAt: number;
  /** After this, no new token is issued for the session (a refresh window). */
  refreshUntil: number;
  /** Bumped when an access token is exchanged for a new one; older tokens die with it. */
  generation: number;
  revokedAt: number | null;
  /**
   * The browser session a code exchange opened this one under (OpenID Connect): it lives only
   * while that session is unrevoked, and never longer. `null` for every other session.
   */
  parentId: string | null;
};

/** A session joined with its user's status and number (a client's session counts as active). */
/** A live session with what token checks need of its user, read in the same query. */
export type ActiveSession = SessionRecord & { userStatus: UserStatus; userSeq: number | null; username: string | null };

export type RefreshTokenRecord = {
  id: string;
  sessionId: string;
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
};

export type SigningKeyRecord = {
  kid: string;
  alg: string;
  publicJwk: string;
  privateJwk: string;
  createdAt: number;
};

export type ClientRecord = {
  id: string;
  secretHash: string | null;
  grants: string[];
  scopes: string[];
  /** Token lifetimes in seconds for this client; `null`: the server's defaults. */
  accessTokenTtl: number | null;
  refreshTokenTtl: number | null;
  createdAt: number;
  /** What the consent page calls the client; `null`: its id. */
  name: string | null;
  /** Where an authorization may send the browser back to: exact strings, no wildcards. */
  redirectUris: string[];
  /** Where RP-initiated logout may send the browser to. */
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** One of our own applications: its users are not asked for consent. */
  firstParty: boolean;
};

export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** An authorization code (RFC 6749 §4.1.2), stored by the keyed hash of its value. */
export type AuthorizationCodeRecord = {
  id: string;
  clientId: string;
  redirectUri: string;
  /** The PKCE S256 challenge the token request's verifier must match. */
  codeChallenge: string;
  nonce: string | null;
  scope: string;
  /** The browser's session the code was issued from. */
  sessionId: string;
  userId: string;
  /** When the user last entered a password in that session. */
  authTime: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** The session its exchange opened: revoked if the code is presented again. */
  issuedSessionId: string | null;
};

export type CodeRecord = {
  id: string;
  purpose: string;
  /** The canonical address the code was sent to. */
  target: string;
  codeHash: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  consumedAt: number | null;
};

export type SendReservation = "ok" | "cooldown" | "daily_cap";

export type AuditEvent = {
  at: number;
  event: string;
  outcome: "success" | "failure";
  userId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  detail?: string | null;
  /** Who made an administrative change: `user:<id>` or `client:<id>` (the admin API); none otherwise. */
  actor?: string | null;
};

/** Raised by `users.insert` when a unique constraint fails. */
export class UniqueViolation extends Error {
  constructor(readonly field: "username" | "email" | "other") {
    super(`unique violation on ${field}`);
    this.name = "UniqueViolation";
  }
}

/** Raised when a write names a row that does not exist (any more): a role deleted meanwhile, say. */
export class MissingReference extends Error {
  constructor() {
    super("a referenced row does not exist");
    this.name = "MissingReference";
  }
}

export interface UserRepository {
  /** Inserts the user and gives it the named roles: a transaction of its own. */
  insert(user: NewUser, roleNames: string[]): Promise<UserRecord>;
  /** The statements of `insert`, run inside the caller's transaction (call it in one). */
  insertInTransaction(user: NewUser, roleNames: string[]): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  findByCanonicalName(canonical: string): Promise<UserRecord | null>;
  findByCanonicalEmail(canonical: string): Promise<UserRecord | null>;
  setStatus(id: string, status: UserStatus, at: number): Promise<boolean>;
  setPasswordHash(id: string, hash: string, at: number): Promise<void>;
  /** Sets a new hash and revokes every session of the user but `keepSessionId`: a transaction of its own. */
  changePassword(id: string, hash: string, at: number, keepSessionId: string | null): Promise<void>;
  recordLogin(id: string, at: number): Promise<void>;
  /**
   * Admits a password check on the account, holding `reservation` for it while it runs: only
   * while no lock is in force (an expired one is lifted, its failures forgotten) and while the
   * failures plus the reservations held (expired ones aside) stay under `threshold`, so that the
   * checks in flight can never take the account past its threshold. `busy` when the others in
   * flight hold every slot left; `refused` when locked, at the threshold or gone. Several
   * statements: run it in a transaction (on PostgreSQL its first one locks the account's row).
   */
  admitLoginAttempt(id: string, now: number, threshold: number, reservation: LoginReservation): Promise<LoginAdmission>;
  /** What `admitLoginAttempt` would answer now, read without writing or locking anything. */
  peekLoginAttempt(id: string, now: number, threshold: number): Promise<LoginAdmission>;
  /**
   * A failed check: counts it unless a lock is in force, and locks the account for `lockMs` once
   * the failures reach `threshold`; true if this call locked it. One statement.
   */
  recordLoginFailure(id: string, now: number, threshold: number, lockMs: number): Promise<boolean>;
  /**
   * After a successful check: the failures and locks are forgotten, if the account is still
   * active. False, changing nothing, when it was disabled or deleted since it was read. On
   * PostgreSQL the update also locks the account's row until the caller's transaction ends, so a
   * concurrent disabling waits for it and then revokes what it committed.
   */
  clearLoginFailures(id: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

export interface RbacRepository {
  createRole(name: string, description: string | null): Promise<RoleRecord>;
  createPermission(name: string, description: string | null): Promise<PermissionRecord>;
  findRole(name: string): Promise<RoleRecord | null>;
  findPermission(name: string): Promise<PermissionRecord | null>;
  grantPermission(roleId: number, permissionId: number): Promise<void>;
  assignRole(userId: string, roleId: number): Promise<void>;
  rolesOf(userId: string): Promise<RoleRecord[]>;
  /** The union of the permissions of the user's roles, de-duplicated, ordered by id. */
  permissionsOf(userId: string): Promise<PermissionRecord[]>;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  findActive(id: string): Promise<ActiveSession | null>;
  touch(id: string, at: number): Promise<void>;
  /** Revokes one session; returns false if it was unknown or already revoked. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Revokes every live session of the user, but `keepSessionId` when given; how many. */
  revokeAllOfUser(userId: string, at: number, keepSessionId?: string | null): Promise<number>;
  /** Revokes the user's other live sessions, or only those on the session's terminal. */
  revokePeers(session: SessionRecord, sameTerminalOnly: boolean, at: number): Promise<number>;
  /** Revokes all but the `keep` newest live sessions of the user. */
  evictOldest(userId: string, keep: number, at: number): Promise<number>;
  listLive(userId: string, now: number): Promise<SessionRecord[]>;
  /** Moves the session to the next token generation if it is still at `from`; true for one caller. */
  advanceGeneration(id: string, from: number): Promise<boolean>;
}

export interface RefreshTokenRepository {
  insert(token: RefreshTokenRecord): Promise<void>;
  findById(id: string): Promise<RefreshTokenRecord | null>;
  /**
   * Marks the token used, inserts its successor and sets the session's last use to `at`, as a
   * transaction of its own, only if the token was not used yet: true for exactly one caller,
   * however many race.
   */
  rotate(id: string, successor: RefreshTokenRecord, at: number): Promise<boolean>;
}

export interface KeyRepository {
  list(): Promise<SigningKeyRecord[]>;
  insert(key: SigningKeyRecord): Promise<void>;
}

export interface ClientRepository {
  insert(client: ClientRecord): Promise<void>;
  /** Inserts or replaces a client defined by configuration. */
  upsert(client: ClientRecord): Promise<void>;
  findById(id: string): Promise<ClientRecord | null>;
  /** Replaces an existing client's registration (never its id or creation time); false if unknown. */
  update(client: ClientRecord): Promise<boolean>;
  /** Every client, by id. */
  list(): Promise<ClientRecord[]>;
}

export interface AuthorizationCodeRepository {
  insert(code: AuthorizationCodeRecord): Promise<void>;
  findById(id: string): Promise<AuthorizationCodeRecord | null>;
  /** Marks the code used by the exchange that opens `issuedSessionId`; true for exactly one caller. */
  consume(id: string, at: number, issuedSessionId: string): Promise<boolean>;
}

/** The scopes each user allowed each third-party client on the consent page. */
export interface ConsentRepository {
  /** The scope words granted so far (empty when none). */
  find(userId: string, clientId: string): Promise<string[]>;
  /** Adds the words to what the user granted the client. */
  grant(userId: string, clientId: string, scope: string[], at: number): Promise<void>;
}

export interface SecretRepository {
  /** Returns the stored value for `name`, storing `candidate` first if there was none. */
  getOrCreate(name: string, candidate: string): Promise<string>;
}

export interface CodeRepository {
  /**
   * Reserves the right to send a code to `target`: refused while the last send is younger than
   * the cooldown or when `dailyCap` sends were made in the last 24 hours. One conditional
   * update, so concurrent requests cannot exceed either limit.
   */
  reserveSend(purpose: string, target: string, now: number, cooldownMs: number, dailyCap: number): Promise<SendReservation>;
  /** Gives back a reservation whose mail could not be sent. */
  releaseSend(purpose: string, target: string, reservedAt: number): Promise<void>;
  /** Stores a code that is not yet usable: its mail has not been accepted yet. */
  insert(code: CodeRecord): Promise<void>;
  /** Its mail was accepted: the code becomes usable and supersedes every earlier one (a transaction of its own). */
  markSent(code: CodeRecord, at: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** The newest sent code for the purpose and target that is neither used nor superseded. */
  findLive(purpose: string, target: string): Promise<CodeRecord | null>;
  /** Counts one attempt if fewer than `max` were made on an unused code; false otherwise. */
  countAttempt(id: string, max: number): Promise<boolean>;
  /** Marks the code used; true for exactly one caller. */
  consume(id: string, at: number): Promise<boolean>;
  /** Makes a consumed code usable again and gives back the attempt (its use was rolled back). */
  unconsume(id: string): Promise<void>;
}

export interface AuditRepository {
  record(event: AuditEvent): Promise<void>;
}

/** Failed-login counting for names that belong to no account; the same rules as the account's own. */
export interface LoginThrottleRepository {
  /** `UserRepository.admitLoginAttempt` for the counter under `key` (created on first use). */
  admit(key: string, now: number, threshold: number, reservation: LoginReservation): Promise<LoginAdmission>;
  /** `UserRepository.peekLoginAttempt` for the counter under `key`. */
  peek(key: string, now: number, threshold: number): Promise<LoginAdmission>;
  /** `UserRepository.recordLoginFailure` for the counter under `key`. */
  recordFailure(key: string, now: number, threshold: number, lockMs: number): Promise<boolean>;
}

/** A password check's claim on a failure counter while it runs; it lapses at `expiresAt`. */
export type LoginReservation = { id: string; expiresAt: number };

export type LoginAdmission = "admitted" | "busy" | "refused";

/** The reservations of password checks in flight (see `UserRepository.admitLoginAttempt`). */
export interface LoginReservationRepository {
  /** Ends a check's reservation; false if it had already lapsed (and its slot gone to another). */
  release(id: string): Promise<boolean>;
}

/** Removal of rows that no rule needs any more. */
export interface HousekeepingRepository {
  /** Deletes what ended (expired, revoked, unused) more than `keepMs` before `now`; counts per table. */
  purge(now: number, keepMs: number): Promise<Record<string, number>>;
  /** Deletes at most `limit` of the oldest audit records written before `before`; how many it deleted. */
  pruneAudit(before: number, limit: number): Promise<number>;
  /** Deletes at most `limit` delivered or given-up webhook deliveries of events before `before`; how many. */
  purgeWebhookDeliveries(before: number, limit: number): Promise<number>;
}

// ---- The cutover from an original server (a dialect's legacy secret) ----

/** A token an original server issued, as Gatehouse knows it; times in epoch ms. */
export type LegacyTokenRecord = {
  /** The dialect whose original issued it. */
  source: string;
  jti: string;
  /** The Gatehouse session opened for it, if any. */
  sessionId: string | null;
  /** When it was logged out: from then on refused until `expiresAt`. */
  deniedAt: number | null;
  /** The old token's own `exp`: the row matters until then. */
  expiresAt: number;
};

export interface LegacyTokenRepository {
  find(source: string, jti: string): Promise<LegacyTokenRecord | null>;
  /** Ties the old token to the session opened for it, unless it is known already; true for one caller. */
  bind(source: string, jti: string, sessionId: string, expiresAt: number): Promise<boolean>;
  /** Refuses the old token from `at` until `expiresAt`; true if this call denied it (one caller). */
  deny(source: string, jti: string, expiresAt: number, at: number): Promise<boolean>;
  /** The id of the user with this number (`seq`), the `sub` of wire formats with numeric ids. */
  userIdBySeq(seq: number): Promise<string | null>;
}

// ---- end of the cutover block ----

// ---- Import (`gatehouse import`, src/core/import/) ----------------------------------------

/** What an existing user shares with rows being imported: the keys that must stay unique. */
export type ImportClash = { id: string; seq: number; usernameCanonical: string; emailCanonical: string | null };

/** One user as the import writes it (insert or overwrite); `seq` null: the next number. */
export type ImportedUser = NewUser & {
  seq: number | null;
  lastLoginAt: number | null;
  updatedAt: number;
  roleIds: number[];
};

/** A role line: the role and its permissions, created or updated; never a revocation. */
export type ImportedRole = {
  name: string;
  description: string | null;
  permissions: { name: string; description: string | null }[];
};

export interface ImportRepository {
  /** Existing users holding any of these ids, numbers, canonical usernames or canonical emails. */
  findClashes(keys: { ids: string[]; seqs: number[]; usernames: string[]; emails: string[] }): Promise<ImportClash[]>;
  /** The ids of the named roles that exist. */
  roleIds(names: string[]): Promise<Map<string, number>>;
  /** Creates or updates the role, its permissions and its grants; true if the role was new. */
  upsertRole(role: ImportedRole): Promise<boolean>;
  /**
   * Inserts the users and their roles. Numbers given are kept, and the database's own counter
   * is moved past them, so later registrations never collide. A unique constraint that fails
   * is a `UniqueViolation`.
   */
  insertUsers(users: ImportedUser[]): Promise<void>;
  /** Overwrites the user with this id: profile, status, roles and (unless null) the hash; never id or seq. */
  updateUser(user: Omit<ImportedUser, "passwordHash"> & { passwordHash: string | null }): Promise<void>;
}

/**
 * The keys (ids, numbers, names, addresses) the rows seen so far in one import claimed, outside
 * the process's memory, so that a duplicate within the input is found however long it is.
 */
export interface ImportInputKeys {
  /**
   * For each row in order: the first of its keys an earlier line claimed, with that line; or
   * null, and the row's keys are claimed for its line.
   */
  claim(rows: { keys: string[]; line: number }[]): ({ key: string; line: number } | null)[];
  close(): void;
}

export interface Repositories {
  users: UserRepository;
  housekeeping: HousekeepingRepository;
  loginThrottle: LoginThrottleRepository;
  loginReservations: LoginReservationRepository;
  rbac: RbacRepository;
  sessions: SessionRepository;
  refreshTokens: RefreshTokenRepository;
  keys: KeyRepository;
  clients: ClientRepository;
  authorizationCodes: AuthorizationCodeRepository;
  consents: ConsentRepository;
  secrets: SecretRepository;
  codes: CodeRepository;
  audit: AuditRepository;
  /** The cutover from an original server (see the block above). */
  legacyTokens: LegacyTokenRepository;
  // Import (`gatehouse import`)
  imports: ImportRepository;
  /** The admin API's searches, listings and changes (src/core/admin/). */
  admin: AdminRepository;
  /** Webhook endpoints and the outbox of their deliveries (src/core/webhooks/). */
  webhooks: WebhookRepository;
}

/**
 * The repository methods that are transactions of their own. They are absent from the
 * repositories bound to a transaction (calling one there is a compile error): on SQLite a
 * transaction opened inside another would wait for the batch its caller holds open, forever.
 */
export const SELF_TRANSACTING = {
  users: ["insert", "changePassword"],
  refreshTokens: ["rotate"],
  codes: ["markSent"],
} as const satisfies { [R in keyof Repositories]?: readonly (keyof Repositories[R])[] };

type SelfTransacting = typeof SELF_TRANSACTING;

/** The repositories bound to one transaction: every method but those that are transactions of their own. */
export type TransactionRepositories = {
  [R in keyof Repositories]: R extends keyof SelfTransacting
    ? Omit<Repositories[R], SelfTransacting[R][number]>
    : Repositories[R];
};

export type TransactionOptions = {
  /**
   * Settle once committed, without waiting for the commit to reach the disk: it gets there with
   * the next durable commit of any transaction (both databases' logs are sequential), or is lost
   * with the machine's power (never with a crash of the process). Only for writes that nothing
   * acknowledged depends on: a login's attempt counter (a successful login's durable commit
   * takes it along) and a refused login's records (see `refuse` in authenticate.ts).
   */
  lazyFlush?: boolean;
};

export interface Store extends Repositories {
  /**
   * Runs `work` as one transaction over repositories bound to it: all of its writes commit
   * together or not at all, and the promise settles once they are durable. `work` must await
   * nothing but those repositories (no hashing, no mail); the methods that are transactions of
   * their own are not among them (`SELF_TRANSACTING`). On SQLite every write goes through one
   * path, the group commit: the transactions of concurrent requests share one commit, and so do
   * the self-transacting methods and every single write made on the store itself.
   */
  transaction<T>(work: (repositories: TransactionRepositories) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One outgoing message; the core builds it, a sender delivers it. */
export type MailMessage = { to: string; subject: string; text: string; html: string };

export type MailSender = {
  /** Resolves once the message was accepted for delivery; rejects if it was not. */
  send(message: MailMessage): Promise<void>;
  close(): void;
};

/**
 * How a login ended, for the metrics: `success`; `failure`, a refusal (unknown name, wrong
 * password, locked or disabled account: one answer); `unavailable`, shed at capacity (503);
 * `error`, anything else (the database could not answer, say).
 */
export type LoginOutcome = "success" | "failure" | "unavailable" | "error";

/**
 * What the core counts for the metrics (src/metrics/ implements it; `NO_METRICS` where there
 * are none: the CLI, tests that build a core). Every label value it passes is from a bounded
 * set: a door is a dialect's name or one of the core's own doors, a grant an OAuth grant type or
 * a dialect's name; never a user, client, address or token.
 */
export type CoreMetrics = {
  login(door: string, outcome: LoginOutcome): void;
  /** An access token issued, by the grant or front door that issued it. */
  tokenIssued(grant: string): void;
  /** A rotated refresh token presented again: its session was revoked. */
  refreshReuse(): void;
  /** An account (or an unknown name's counter) reached the failure threshold and was locked. */
  lockout(): void;
  /** Seconds a password hashing waited for a slot of the hash pool (0 when one was free). */
  hashWaited(seconds: number): void;
  /** Registers where the hash pool's queue depth is read at each scrape. */
  watchHashQueue(depth: () => number): void;
};

/** Connections in use and requests waiting for one (SQLite: units running and queued for the group commit). */
export type PoolUsage = { inUse: number; waiting: number };

/** What the store reports for the metrics; `NO_STORE_METRICS` where there are none. */
export type StoreMetrics = {
  /** Units of writes one SQLite group commit committed together. */
  groupCommitted(units: number): void;
  /** Registers where the pool's usage is read at each scrape. */
  watchPool(usage: () => PoolUsage): void;
};

const ignore = () => {};

export const NO_METRICS: CoreMetrics = Object.freeze({
  login: ignore,
  tokenIssued: ignore,
  refreshReuse: ignore,
  lockout: ignore,
  hashWaited: ignore,
  watchHashQueue: ignore,
});

export const NO_STORE_METRICS: StoreMetrics = Object.freeze({ groupCommitted: ignore, watchPool: ignore });
