import type { Kysely } from "kysely";
import type { Repositories, TransactionOptions, TransactionRepositories } from "../../core/ports.js";
import { createCodeRepository, markCodeSent } from "./codes.js";
import type { Database } from "./database.js";
import { createHousekeepingRepository } from "./housekeeping.js";
import { createLoginReservationRepository } from "./login-reservations.js";
import { createLegacyTokenRepository } from "./legacy-tokens.js";
import { createImportRepository } from "./imports.js";
import { createLoginThrottleRepository } from "./login-throttle.js";
import { createAuthorizationCodeRepository, createConsentRepository } from "./authorization-codes.js";
import { createClientRepository } from "./clients.js";
import { createAdminRepository } from "./admin.js";
import { createAuditRepository, createKeyRepository, createSecretRepository } from "./server-tables.js";
import { createRefreshTokenRepository, createSessionRepository } from "./sessions.js";
import { changePassword, createRbacRepository, createUserRepository, insertUser } from "./users.js";
import { createWebhookRepository } from "./webhooks.js";

/**
 * Runs `work` on one transaction's connection; settles once its writes are durable, or, with
 * `lazyFlush`, once they are committed (see `TransactionOptions`). `work` awaits nothing but
 * statements on that connection.
 */
export type RunInTransaction = <T>(
  work: (connection: Kysely<Database>) => Promise<T>,
  options?: TransactionOptions,
) => Promise<T>;

type Factories = { [R in keyof TransactionRepositories]: (db: Kysely<Database>) => TransactionRepositories[R] };

const factories: Factories = {
  users: createUserRepository,
  loginThrottle: createLoginThrottleRepository,
  loginReservations: createLoginReservationRepository,
  housekeeping: createHousekeepingRepository,
  rbac: createRbacRepository,
  sessions: createSessionRepository,
  refreshTokens: createRefreshTokenRepository,
  keys: createKeyRepository,
  clients: createClientRepository,
  authorizationCodes: createAuthorizationCodeRepository,
  consents: createConsentRepository,
  secrets: createSecretRepository,
  codes: createCodeRepository,
  audit: createAuditRepository,
  // The cutover from an original server: its old tokens.
  legacyTokens: createLegacyTokenRepository,
  // Import (`gatehouse import`)
  imports: createImportRepository,
  admin: createAdminRepository,
  webhooks: createWebhookRepository,
};

/** Every repository, its statements run on `db`: the database, or one transaction's connection. */
export function createTransactionRepositories(db: Kysely<Database>): TransactionRepositories {
  const entries = Object.entries(factories).map(([name, create]) => [name, create(db)]);
  return Object.fromEntries(entries) as TransactionRepositories;
}

type Kind = "read" | "write";

/**
 * Whether each method reads or writes. The type makes the table complete: a method added to a
 * repository does not compile until it is classified here.
 */
const kinds: { [R in keyof TransactionRepositories]: Record<keyof TransactionRepositories[R], Kind> } = {
  users: {
    insertInTransaction: "write",
    findById: "read",
    findByCanonicalName: "read",
    findByCanonicalEmail: "read",
    setStatus: "write",
    setPasswordHash: "write",
    recordLogin: "write",
    admitLoginAttempt: "write",
    peekLoginAttempt: "read",
    recordLoginFailure: "write",
    clearLoginFailures: "write",
    delete: "write",
  },
  loginThrottle: { admit: "write", peek: "read", recordFailure: "write" },
  loginReservations: { release: "write" },
  housekeeping: { purge: "write", pruneAudit: "write", purgeWebhookDeliveries: "write" },
  rbac: {
    createRole: "write",
    createPermission: "write",
    findRole: "read",
    findPermission: "read",
    grantPermission: "write",
    assignRole: "write",
    rolesOf: "read",
    permissionsOf: "read",
  },
  sessions: {
    insert: "write",
    findActive: "read",
    touch: "write",
    revoke: "write",
    revokeAllOfUser: "write",
    revokePeers: "write",
    evictOldest: "write",
    listLive: "read",
    advanceGeneration: "write",
  },
  refreshTokens: { insert: "write", findById: "read" },
  keys: { list: "read", insert: "write" },
  clients: { insert: "write", upsert: "write", findById: "read", update: "write", list: "read" },
  authorizationCodes: { insert: "write", findById: "read", consume: "write" },
  consents: { find: "read", grant: "write" },
  secrets: { getOrCreate: "write" },
  codes: {
    reserveSend: "write",
    releaseSend: "write",
    insert: "write",
    delete: "write",
    findLive: "read",
    countAttempt: "write",
    consume: "write",
    unconsume: "write",
  },
  audit: { record: "write" },
  // The cutover from an original server: its old tokens.
  legacyTokens: { find: "read", bind: "write", deny: "write", userIdBySeq: "read" },
  // Import (`gatehouse import`)
  imports: { findClashes: "read", roleIds: "read", upsertRole: "write", insertUsers: "write", updateUser: "write" },
  admin: {
    searchUsers: "read",
    updateProfile: "write",
    removeRole: "write",
    listRoles: "read",
    permissionsOfRole: "read",
    listPermissions: "read",
    setRoleDescription: "write",
    deleteRole: "write",
    deletePermission: "write",
    revokePermission: "write",
    deleteClient: "write",
    revokeSessionsOfClient: "write",
    setClientSecret: "write",
    findSession: "read",
    queryAudit: "read",
    queryAuditAfter: "read",
    stats: "read",
  },
  webhooks: {
    insertEndpoint: "write",
    listEndpoints: "read",
    findEndpoint: "read",
    deleteEndpoint: "write",
    setEndpointSecret: "write",
    enqueue: "write",
    hasDue: "read",
    claim: "write",
    recordAttempt: "write",
    outboxDepth: "read",
    requeueSince: "write",
    recentDeliveries: "read",
  },
};

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * The repositories with every write run as a transaction of its own through `run`, and every
 * read directly on `db` (SQLite: each write then takes the group commit's path, with its shared
 * disk flush and its wait for another process's lock between turns of the event loop).
 */
function writesInTransactions(db: Kysely<Database>, run: RunInTransaction): TransactionRepositories {
  const direct = createTransactionRepositories(db) as unknown as Record<string, Record<string, Method>>;
  // A batch's writes share its connection: its repositories are made once, not for every write.
  const onConnection = new WeakMap<Kysely<Database>, Record<string, Record<string, Method>>>();
  const repositoriesOn = (connection: Kysely<Database>) => {
    let repositories = onConnection.get(connection);
    if (!repositories) {
      repositories = createTransactionRepositories(connection) as unknown as Record<string, Record<string, Method>>;
      onConnection.set(connection, repositories);
    }
    return repositories;
  };
  const routed = Object.entries(kinds).map(([name, methods]) => {
    const repository = Object.entries(methods as Record<string, Kind>).map(([method, kind]) => {
      const write: Method = (...args) => run((connection) => (repositoriesOn(connection)[name]?.[method] as Method)(...args));
      return [method, kind === "read" ? direct[name]?.[method] : write];
    });
    return [name, Object.fromEntries(repository)];
  });
  return Object.fromEntries(routed) as TransactionRepositories;
}

export type StoreRepositoryOptions = {
  /** Opens the transactions of the self-transacting methods (and, with `writesInTransactions`, of every write). */
  run: RunInTransaction;
  /** True on SQLite: a write made outside `Store.transaction` runs as a transaction of `run` too. */
  writesInTransactions: boolean;
  rotate: Repositories["refreshTokens"]["rotate"];
};

/**
 * The repositories of the store itself, for use outside `Store.transaction`: the methods that are
 * transactions of their own each open one with `run`.
 */
export function createStoreRepositories(db: Kysely<Database>, options: StoreRepositoryOptions): Repositories {
  const { run, rotate } = options;
  const repositories = options.writesInTransactions ? writesInTransactions(db, run) : createTransactionRepositories(db);
  return {
    ...repositories,
    users: {
      ...repositories.users,
      insert: (user, roleNames) => run((trx) => insertUser(trx, user, roleNames)),
      changePassword: (id, hash, at, keepSessionId) => run((trx) => changePassword(trx, id, hash, at, keepSessionId)),
    },
    refreshTokens: { ...repositories.refreshTokens, rotate },
    codes: { ...repositories.codes, markSent: (code, at) => run((trx) => markCodeSent(trx, code, at)) },
  };
}
