import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import type { UserFilter } from "../../core/admin/ports.js";
import type { UserRecord } from "../../core/ports.js";
import type { Database } from "./database.js";
import { toUser } from "./users.js";

const isPostgres = (db: Kysely<Database>): boolean => db.getExecutor().adapter.constructor.name === "PostgresAdapter";

/**
 * A search has three plans, and SQLite, without statistics of the values, cannot tell which is
 * fast: when the prefix, or the role, matches few users, read those through its index and sort
 * them by number; when both match many, walk the users in number order and keep the matches,
 * which finds a page's worth at once. Up to this many matches count as few; the choice is made
 * by counting them, at most this many, through each index (a fraction of a millisecond).
 */
const FEW_MATCHES = 5_000;

type Plan = "by-prefix" | "by-role" | "walk";

/**
 * A column as a condition names it. Where the plan must not start from its index, SQLite is
 * kept from using it with a unary plus (its documented way); PostgreSQL plans by its own
 * statistics. On PostgreSQL a prefix is compared in byte order (collation "C"), so that it is
 * an index range (0006) whatever the database's collation; SQLite compares text as bytes already.
 */
function column(db: Kysely<Database>, name: "username_canonical" | "email_canonical", indexed: boolean) {
  // PostgreSQL walks the users in number order by itself when asked for that order with many matches.
  if (isPostgres(db)) return sql`${sql.ref(`users.${name}`)} collate "C"`;
  return indexed ? sql.ref(`users.${name}`) : sql`+${sql.ref(`users.${name}`)}`;
}

/** The users whose canonical name or address starts with `prefix`: from it up to it followed by the highest code point. */
function startsWith(db: Kysely<Database>, prefix: string, indexed: boolean) {
  const upper = `${prefix}\u{10FFFF}`;
  return (eb: ExpressionBuilder<Database, "users">) =>
    eb.or(
      (["username_canonical", "email_canonical"] as const).map((name) =>
        eb.and([eb(column(db, name, indexed), ">=", prefix), eb(column(db, name, indexed), "<", upper)]),
      ),
    );
}

/** Counts the prefix's and the role's matches, at most `FEW_MATCHES + 1` each, and starts from the fewer if few. */
async function choosePlan(db: Kysely<Database>, filter: UserFilter): Promise<Plan> {
  const counts: [Plan, number][] = [];
  if (filter.prefix !== null) {
    const matches = db
      .selectFrom("users")
      .select("users.seq")
      .where(startsWith(db, filter.prefix, true))
      .limit(FEW_MATCHES + 1);
    counts.push(["by-prefix", (await matches.execute()).length]);
  }
  if (filter.roleId !== null) {
    const holders = db
      .selectFrom("user_roles")
      .select("user_id")
      .where("role_id", "=", filter.roleId)
      .limit(FEW_MATCHES + 1);
    counts.push(["by-role", (await holders.execute()).length]);
  }
  const fewest = counts.sort((a, b) => a[1] - b[1])[0];
  return fewest && fewest[1] <= FEW_MATCHES ? fewest[0] : "walk";
}

/** `AdminRepository.searchUsers`: one page in number order, by the plan its filter needs. */
export async function searchUsers(
  db: Kysely<Database>,
  filter: UserFilter,
  afterSeq: number | null,
  limit: number,
): Promise<UserRecord[]> {
  const plan = await choosePlan(db, filter);
  let query = db.selectFrom("users").selectAll("users");
  if (filter.prefix !== null) query = query.where(startsWith(db, filter.prefix, plan === "by-prefix"));
  if (filter.status !== null) query = query.where("users.status", "=", filter.status);
  const roleId = filter.roleId;
  if (roleId !== null && plan === "by-role") {
    query = query.innerJoin("user_roles", (join) =>
      join.onRef("user_roles.user_id", "=", "users.id").on("user_roles.role_id", "=", roleId),
    );
  } else if (roleId !== null) {
    const holds = (eb: ExpressionBuilder<Database, "users">) =>
      eb.exists(
        eb
          .selectFrom("user_roles")
          .select("user_roles.user_id")
          .whereRef("user_roles.user_id", "=", "users.id")
          .where("user_roles.role_id", "=", roleId),
      );
    query = query.where(holds);
  }
  if (afterSeq !== null) query = query.where("users.seq", ">", afterSeq);
  // Ordered by an expression, the matches are sorted: neither database walks every user in number order.
  const order = plan === "walk" ? sql.ref("users.seq") : sql`${sql.ref("users.seq")} + 0`;
  const rows = await query.orderBy(order).limit(limit).execute();
  return rows.map(toUser);
}
