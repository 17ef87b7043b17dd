import type { Core, PermissionRecord, SessionRecord, UserRecord, UserStatus } from "../core/index.js";
// The admin API's JSON shapes (src/http/admin/wire.ts): `--json` prints exactly what it answers.
import { wirePermission, wireRole, wireSession, wireUser, wireUserDetail } from "../http/admin/wire.js";
import type { Command } from "./commands.js";
import { type Args, one, word } from "./options.js";
import {
  checkedBeforeOpening,
  choiceOf,
  JSON_OPTION,
  limitOf,
  PAGE_SIZE,
  jsonDocument,
  listing,
  shortTime,
} from "./read-options.js";
import { cell, fields, table } from "./table.js";

const STATUSES: readonly UserStatus[] = ["active", "disabled"];
const DEFAULT_USER_LIMIT = 50;

/** Users in the order they were created, following the core's pages until `wanted` are read. */
async function collectUsers(core: Core, args: Args, wanted: number): Promise<UserRecord[]> {
  const search = {
    query: one(args, "query") ?? null,
    status: choiceOf(args, "status", STATUSES),
    role: one(args, "role") ?? null,
  };
  const users: UserRecord[] = [];
  let cursor: string | null = null;
  while (users.length < wanted) {
    const page = await core.searchUsers({ ...search, limit: Math.min(PAGE_SIZE, wanted - users.length), cursor });
    users.push(...page.items);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return users;
}

const USER_HEADER = ["USERNAME", "ID", "STATUS", "EMAIL", "CREATED", "LAST-LOGIN", "DISPLAY-NAME"];

const userRow = (user: UserRecord): string[] =>
  [user.username, user.id, user.status, user.email, shortTime(user.createdAt), shortTime(user.lastLoginAt), user.displayName].map(
    cell,
  );

export const listUsers: Command = {
  options: {
    query: { value: "Q" },
    status: { value: STATUSES.join("|") },
    role: { value: "R" },
    limit: { value: "N" },
    ...JSON_OPTION,
  },
  prepare: checkedBeforeOpening((args) => {
    limitOf(args, DEFAULT_USER_LIMIT);
    choiceOf(args, "status", STATUSES);
  }),
  async run(core, args, out) {
    const users = await collectUsers(core, args, limitOf(args, DEFAULT_USER_LIMIT));
    const lines = listing(
      args,
      users,
      (all) => all.map(wireUser),
      (all) => table(USER_HEADER, all.map(userRow)),
      "no users",
    );
    for (const line of lines) out(line);
  },
};

/** A user's profile as label and value; never the password hash. */
function profile(user: UserRecord, roles: { name: string }[], sessions: number): [string, string][] {
  const pairs: [string, string | null][] = [
    ["username", user.username],
    ["id", user.id],
    ["status", user.status],
    ["display name", user.displayName],
    ["email", user.email === null ? null : `${user.email} (${user.emailVerified ? "verified" : "not verified"})`],
    ["phone", user.phone],
    ["roles", roles.map((role) => role.name).join(", ")],
    ["attributes", Object.keys(user.attributes).length === 0 ? null : JSON.stringify(user.attributes)],
    ["created", shortTime(user.createdAt)],
    ["updated", shortTime(user.updatedAt)],
    ["last login", shortTime(user.lastLoginAt)],
    ["live sessions", String(sessions)],
  ];
  return pairs.map(([label, value]) => [label, cell(value)]);
}

const SESSION_HEADER = ["SESSION", "CLIENT", "TERMINAL", "IP", "CREATED", "LAST-USED", "EXPIRES", "USER-AGENT"];

const sessionRow = (session: SessionRecord): string[] =>
  [
    session.id,
    session.clientId,
    session.terminal,
    session.ip,
    shortTime(session.createdAt),
    shortTime(session.lastUsedAt),
    shortTime(session.expiresAt),
    session.userAgent,
  ].map(cell);

export const showUser: Command = {
  words: ["USERNAME"],
  options: JSON_OPTION,
  async run(core, args, out) {
    const { id } = await core.findUserByName(word(args, 0));
    const [detail, sessions] = await Promise.all([core.userDetail(id), core.sessionsOfUser(id)]);
    const lines = args.flags.has("json")
      ? jsonDocument({ ...wireUserDetail(detail), sessions: sessions.map(wireSession) })
      : [
          ...fields(profile(detail.user, detail.roles, sessions.length)),
          ...(sessions.length === 0 ? [] : ["", ...table(SESSION_HEADER, sessions.map(sessionRow))]),
        ];
    for (const line of lines) out(line);
  },
};

type RoleDetail = Awaited<ReturnType<Core["listRoles"]>>[number];

const roleTable = (roles: RoleDetail[]): string[] =>
  table(
    ["ROLE", "PERMISSIONS", "DESCRIPTION"],
    roles.map((role) => [role.name, role.permissions.map((permission) => permission.name).join(","), role.description].map(cell)),
  );

const permissionTable = (permissions: PermissionRecord[]): string[] =>
  table(
    ["PERMISSION", "DESCRIPTION"],
    permissions.map((permission) => [permission.name, permission.description].map(cell)),
  );

export const listRoles: Command = {
  options: JSON_OPTION,
  async run(core, args, out) {
    const roles = await core.listRoles();
    for (const line of listing(args, roles, (all) => all.map(wireRole), roleTable, "no roles")) out(line);
  },
};

export const listPermissions: Command = {
  options: JSON_OPTION,
  async run(core, args, out) {
    const permissions = await core.listPermissions();
    for (const line of listing(args, permissions, (all) => all.map(wirePermission), permissionTable, "no permissions")) out(line);
  },
};
