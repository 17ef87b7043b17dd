// Reads the Flask + flask-jwt-extended server's own MySQL (or MariaDB) database for
// `gatehouse import --from jwt-extended`: its tables users, roles, permissions, user_roles and
// role_permissions, translated into Gatehouse's import format (docs/import.md). The one file of
// this dialect that opens a database, and only the original's.
import type { RowDataPacket } from "mysql2";
import type mysql from "mysql2/promise";
import { closeMysql, isoDatetime, MYSQL_SOURCE_FORM, openMysqlSource, streamRows } from "../mysql-source.js";
import type { ImportRecord, ImportSource, ImportSourceReader } from "../types.js";

// Every column read is named, so a database of another shape fails in open(), not row by row.
const ROLES_QUERY = `
  SELECT r.role_id, r.role_name, r.description, p.permission_id, p.permission_name, p.description AS permission_description
  FROM roles r
  LEFT JOIN role_permissions rp ON rp.role_id = r.role_id
  LEFT JOIN permissions p ON p.permission_id = rp.permission_id
  ORDER BY r.role_id, p.permission_id`;
// A user's role names in one column (NUL-separated), so users stream one row each in the order
// of their primary key, which needs no sort.
const USERS_QUERY = `
  SELECT u.user_id, u.username, u.password, u.email, u.phone, u.faceInfo, u.status, u.last_login, u.created_at,
    (SELECT GROUP_CONCAT(r.role_name ORDER BY r.role_id SEPARATOR '\\0')
       FROM user_roles ur JOIN roles r ON r.role_id = ur.role_id WHERE ur.user_id = u.user_id) AS role_names
  FROM users u
  ORDER BY u.user_id`;

/** What the Flask app's tables hold, as mysql2 returns it with `dateStrings`. */
type RoleRow = {
  role_id: number;
  role_name: string | null;
  description: string | null;
  permission_id: number | null;
  permission_name: string | null;
  permission_description: string | null;
};
type UserRow = {
  user_id: string | null;
  username: string | null;
  password: string | null;
  email: string | null;
  phone: string | null;
  faceInfo: unknown;
  status: number | null;
  last_login: string | null;
  created_at: string | null;
  role_names: string | null;
};

/** Drops the members whose value is undefined, so absent columns stay absent in the record. */
const defined = (entries: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined && value !== null));

/** faceInfo as the app stored it: text as is; a binary column's bytes in base64. */
const faceInfo = (value: unknown) => (Buffer.isBuffer(value) ? value.toString("base64") : value);

function userValue(row: UserRow): unknown {
  return defined({
    type: "user",
    id: row.user_id,
    username: row.username,
    email: row.email,
    phone: row.phone,
    attributes: row.faceInfo === null || row.faceInfo === undefined ? undefined : { faceInfo: faceInfo(row.faceInfo) },
    status: row.status === null ? undefined : row.status ? "active" : "disabled",
    created_at: isoDatetime(row.created_at),
    last_login_at: isoDatetime(row.last_login),
    // A user without a role in the original keeps none here, rather than getting USER.
    roles: row.role_names === null ? [] : row.role_names.split("\0"),
    password_hash: row.password || undefined,
  });
}

type RoleLine = { type: "role"; name: string; description?: string; permissions: { name: string; description?: string }[] };

/** Folds the joined role rows (ordered by role) into one role line each, permissions de-duplicated. */
function* roleRecords(rows: RoleRow[]): Generator<{ value: RoleLine | null; input: RoleRow[] }> {
  type Group = { id: number; line: RoleLine | null; rows: RoleRow[]; seen: Set<string> };
  let current = null as Group | null;
  for (const row of rows) {
    if (current?.id !== row.role_id) {
      if (current) yield { value: current.line, input: current.rows };
      const line: RoleLine | null = row.role_name
        ? { type: "role", name: row.role_name, ...defined({ description: row.description }), permissions: [] }
        : null;
      current = { id: row.role_id, line, rows: [], seen: new Set() };
    }
    current.rows.push(row);
    if (row.permission_name && !current.seen.has(row.permission_name)) {
      current.seen.add(row.permission_name);
      current.line?.permissions.push({ name: row.permission_name, ...defined({ description: row.permission_description }) });
    }
  }
  if (current) yield { value: current.line, input: current.rows };
}

async function* records(connection: mysql.Connection): AsyncGenerator<ImportRecord> {
  let line = 0;
  const [roleRows] = await connection.query<RowDataPacket[]>(ROLES_QUERY);
  for (const { value, input } of roleRecords(roleRows as RoleRow[])) {
    line += 1;
    const original = JSON.stringify({ role_id: input[0]?.role_id, rows: input });
    if (value) yield { line, input: original, value };
    else yield { line, input: original, error: "the role has no role_name" };
  }
  for await (const row of streamRows(connection, USERS_QUERY)) {
    line += 1;
    const user = row as UserRow;
    const input = JSON.stringify({ ...user, role_names: user.role_names?.split("\0") ?? [] });
    if (typeof user.username === "string" && user.username !== "") yield { line, input, value: userValue(user) };
    else yield { line, input, error: "the user has no username" };
  }
}

async function open(source: string): Promise<ImportSource> {
  // A DATETIME is read as written; a TIMESTAMP column (stored in UTC) is shown in UTC too.
  const connection = await openMysqlSource("jwt-extended", source, {
    setup: "SET time_zone = '+00:00', SESSION group_concat_max_len = 16777216",
    queries: [ROLES_QUERY, USERS_QUERY],
  });
  return { records: () => records(connection), close: () => closeMysql(connection) };
}

export const importSource: ImportSourceReader = { sourceForm: MYSQL_SOURCE_FORM, open };
