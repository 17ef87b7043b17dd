import type SQLite from "better-sqlite3";
import { type CompiledQuery, type ExpressionBuilder, type Kysely, type QueryCreator, type Selectable, sql } from "kysely";
import type { ActiveSession, RefreshTokenRecord, SessionRecord, TransactionRepositories, UserStatus } from "../../core/ports.js";
import type { Database } from "./database.js";
import { precompiled } from "./precompiled.js";

const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));

export const toSession = (row: Selectable<Database["sessions"]>): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  clientId: row.client_id,
  scope: row.scope,
  terminal: row.terminal,
  ip: row.ip,
  userAgent: row.user_agent,
  createdAt: Number(row.created_at),
  lastUsedAt: Number(row.last_used_at),
  expiresAt: Number(row.expires_at),
  refreshUntil: Number(row.refresh_until),
  generation: Number(row.generation),
  revokedAt: nullableNumber(row.revoked_at),
  parentId: row.parent_id,
});

/** A session opened by a code exchange is listed only while the browser's session above it is unrevoked. */
const parentUnrevoked = (eb: ExpressionBuilder<Database & { parent: Database["sessions"] }, "sessions" | "parent">) =>
  eb.or([eb("sessions.parent_id", "is", null), eb.and([eb("parent.id", "is not", null), eb("parent.revoked_at", "is", null)])]);

const selectActiveSession = precompiled((db, id: string) =>
  db
    .selectFrom("sessions")
    .leftJoin("users", "users.id", "sessions.user_id")
    .selectAll("sessions")
    .select(["users.status as user_status", "users.seq as user_seq", "users.username as username"])
    .where("sessions.id", "=", id)
    .where("sessions.revoked_at", "is", null),
);

/** The browser's session above a code exchange's: read on every check of the latter. */
const selectParentRevocation = precompiled((db, id: string) =>
  db.selectFrom("sessions").select("revoked_at").where("id", "=", id),
);

export function createSessionRepository(db: Kysely<Database>): TransactionRepositories["sessions"] {
  return {
    async insert(session) {
      await db
        .insertInto("sessions")
        .values({
          id: session.id,
          user_id: session.userId,
          client_id: session.clientId,
          scope: session.scope,
          terminal: session.terminal,
          ip: session.ip,
          user_agent: session.userAgent,
          created_at: session.createdAt,
          last_used_at: session.lastUsedAt,
          expires_at: session.expiresAt,
          refresh_until: session.refreshUntil,
          generation: session.generation,
          revoked_at: session.revokedAt,
          parent_id: session.parentId,
        })
        .execute();
    },
    async findActive(id): Promise<ActiveSession | null> {
      const [row] = await selectActiveSession(db, id);
      if (!row) return null;
      // A code exchange's session lives only while the browser's session above it is unrevoked
      // (and still there). Read apart, so that every other session's check stays one query.
      if (row.parent_id !== null) {
        const [parent] = await selectParentRevocation(db, row.parent_id);
        if (!parent || parent.revoked_at !== null) return null;
      }
      const session = toSession(row);
      if (session.userId === null) return { ...session, userStatus: "active", userSeq: null, username: null };
      // A user session whose user row is gone (deleted) is no session at all.
      if (row.user_status === null) return null;
      return {
        ...session,
        userStatus: row.user_status as UserStatus,
        userSeq: Number(row.user_seq),
        username: row.username,
      };
    },
    async touch(id, at) {
      await db.updateTable("sessions").set({ last_used_at: at }).where("id", "=", id).execute();
    },
    async revoke(id, at) {
      const result = await db
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    revokeAllOfUser: (userId, at, keepSessionId) => revokeAllOfUser(db, userId, at, keepSessionId ?? null),
    async revokePeers(session, sameTerminalOnly, at) {
      // Only sessions created before this one: of two concurrent logins, the later survives.
      let query = db
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("user_id", "=", session.userId)
        .where("revoked_at", "is", null)
        .where("id", "!=", session.id)
        .where((eb) =>
          eb.or([
            eb("created_at", "<", session.createdAt),
            eb.and([eb("created_at", "=", session.createdAt), eb("id", "<", session.id)]),
          ]),
        );
      if (sameTerminalOnly) query = query.where("terminal", "=", session.terminal);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async evictOldest(userId, keep, at) {
      // Everything older than the keep-th newest live session; when there is none, the
      // comparison with the empty subquery is null and nothing is revoked. (A `not in` the
      // newest `keep` said the same at about ten times the cost, on every login.)
      const keepThNewest = db
        .selectFrom("sessions")
        .select(["created_at", "id"])
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .offset(keep - 1);
      const result = await db
        .updateTable("sessions")
        .set({ revoked_at: at })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where(sql<boolean>`(created_at, id) < (${keepThNewest})`)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async listLive(userId, now) {
      const rows = await db
        .selectFrom("sessions")
        .leftJoin("sessions as parent", "parent.id", "sessions.parent_id")
        .selectAll("sessions")
        .where("sessions.user_id", "=", userId)
        .where("sessions.revoked_at", "is", null)
        .where("sessions.expires_at", ">", now)
        .where(parentUnrevoked)
        .orderBy("sessions.created_at", "desc")
        .execute();
      return rows.map(toSession);
    },
    async advanceGeneration(id, from) {
      const result = await db
        .updateTable("sessions")
        .set({ generation: from + 1 })
        .where("id", "=", id)
        .where("generation", "=", from)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** Revokes every live session of the user except `keepId`. */
export async function revokeAllOfUser(db: Kysely<Database>, userId: string, at: number, keepId: string | null): Promise<number> {
  let query = db.updateTable("sessions").set({ revoked_at: at }).where("user_id", "=", userId).where("revoked_at", "is", null);
  if (keepId !== null) query = query.where("id", "!=", keepId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

const toRefreshToken = (row: Selectable<Database["refresh_tokens"]>): RefreshTokenRecord => ({
  id: row.id,
  sessionId: row.session_id,
  secretHash: row.secret_hash,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  usedAt: nullableNumber(row.used_at),
});

const selectRefreshToken = precompiled((db, id: string) => db.selectFrom("refresh_tokens").selectAll().where("id", "=", id));

/** The refresh-token repository's methods that run inside their caller's transaction. */
export type RefreshTokenStatements = TransactionRepositories["refreshTokens"];

export function createRefreshTokenRepository(db: Kysely<Database>): RefreshTokenStatements {
  return {
    insert: (token) => insertRefreshToken(db, token),
    async findById(id) {
      const [row] = await selectRefreshToken(db, id);
      return row ? toRefreshToken(row) : null;
    },
  };
}

/**
 * A rotation's deciding write, shared by its two forms below. This conditional update is the
 * single point of truth for "exactly one rotation wins": the successor is inserted, and the
 * session touched, only by the caller whose update changed the row.
 */
const markUsed = (db: QueryCreator<Database>, id: string, at: number) =>
  db.updateTable("refresh_tokens").set({ used_at: at }).where("id", "=", id).where("used_at", "is", null).returning("session_id");

/** The successor's columns (it is unused: `used_at` stays null). */
type Successor = [id: string, secretHash: string, createdAt: number, expiresAt: number];
const successorColumns = (successor: RefreshTokenRecord): Successor => [
  successor.id,
  successor.secretHash,
  successor.createdAt,
  successor.expiresAt,
];

const rotateStatement = precompiled((db, id: string, at: number, ...[successorId, secretHash, createdAt, expiresAt]: Successor) =>
  db
    .with("used", (qc) => markUsed(qc, id, at))
    .with("successor", (qc) =>
      qc
        .insertInto("refresh_tokens")
        .columns(["id", "session_id", "secret_hash", "created_at", "expires_at"])
        .expression(
          qc
            .selectFrom("used")
            .select((eb) => [
              eb.val(successorId).as("id"),
              "session_id",
              eb.val(secretHash).as("secret_hash"),
              eb.val(createdAt).as("created_at"),
              eb.val(expiresAt).as("expires_at"),
            ]),
        )
        .returning("id"),
    )
    .with("touched", (qc) =>
      qc.updateTable("sessions").set({ last_used_at: at }).where("id", "in", qc.selectFrom("used").select("session_id")),
    )
    .selectFrom("successor")
    .select((eb) => eb.fn.countAll().as("rotated")),
);

/**
 * `RefreshTokenRepository.rotate` as one statement, and so one transaction and one round trip
 * (PostgreSQL): the successor's insert and the session's touch read the row the update returned
 * (PostgreSQL runs every data-modifying part of a WITH to completion, read or not).
 */
export async function rotateInOneStatement(db: Kysely<Database>, id: string, successor: RefreshTokenRecord, at: number) {
  const [row] = await rotateStatement(db, id, at, ...successorColumns(successor));
  return Number(row?.rotated) === 1;
}

const markUsedStatement = precompiled((db, id: string, at: number) => markUsed(db, id, at));
const insertSuccessorStatement = precompiled((db, sessionId: string, ...[id, secretHash, createdAt, expiresAt]: Successor) =>
  db.insertInto("refresh_tokens").values({
    id,
    session_id: sessionId,
    secret_hash: secretHash,
    created_at: createdAt,
    expires_at: expiresAt,
  }),
);
const touchSessionStatement = precompiled((db, id: string, at: number) =>
  db.updateTable("sessions").set({ last_used_at: at }).where("id", "=", id),
);

/**
 * The same rotation as statements in order (SQLite, whose WITH cannot modify data), run
 * synchronously on the raw connection as one unit of the group commit: no turn of the event
 * loop between them. `db` only names the dialect the statements were compiled for.
 */
export function rotateInSteps(raw: SQLite.Database, db: Kysely<Database>, id: string, successor: RefreshTokenRecord, at: number) {
  const used = execute(raw, markUsedStatement.bind(db, id, at), "get") as { session_id: string } | undefined;
  if (!used) return false;
  execute(raw, insertSuccessorStatement.bind(db, used.session_id, ...successorColumns(successor)), "run");
  execute(raw, touchSessionStatement.bind(db, used.session_id, at), "run");
  return true;
}

/** Runs a compiled query on the raw connection, its statement prepared once per SQL text. */
function execute(raw: SQLite.Database, query: CompiledQuery<unknown>, mode: "get" | "run"): unknown {
  let statements = preparedByConnection.get(raw);
  if (!statements) preparedByConnection.set(raw, (statements = new Map()));
  let statement = statements.get(query.sql);
  if (!statement) statements.set(query.sql, (statement = raw.prepare(query.sql)));
  const parameters = query.parameters as unknown[];
  return mode === "get" ? statement.get(...parameters) : statement.run(...parameters);
}

const preparedByConnection = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

async function insertRefreshToken(db: Kysely<Database>, token: RefreshTokenRecord): Promise<void> {
  await db
    .insertInto("refresh_tokens")
    .values({
      id: token.id,
      session_id: token.sessionId,
      secret_hash: token.secretHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      used_at: token.usedAt,
    })
    .execute();
}
