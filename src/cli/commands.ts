import type { Core } from "../core/index.js";
import { AUDIT_COMMANDS } from "./audit-commands.js";
import { CLIENT_COMMANDS } from "./client-commands.js";
import type { OpenedImport } from "./import/command.js";
import { importSpec } from "./import/spec.js";
import { type Args, type CommandSpec, one, need, word } from "./options.js";
import { listPermissions, listRoles, listUsers, showUser } from "./read-commands.js";
import { WEBHOOK_COMMANDS } from "./webhook-commands.js";

/** What a command opened before the database (its input, say); closed after it ran. */
export type Prepared = { close: () => Promise<void> };

/**
 * An administrative command: what its command line accepts, and what it does; `run` may return
 * its exit status (0 without). `prepare` runs before the database is opened, so that an input
 * that cannot be read fails before anything is written.
 */
export type Command = CommandSpec & {
  prepare?: (args: Args) => Promise<Prepared>;
  run: (core: Core, args: Args, out: (line: string) => void, prepared?: Prepared) => Promise<void | number>;
};

const iso = (ms: number): string => new Date(ms).toISOString();

function keyState(key: { current: boolean; retired: boolean; retiresAt: number | null }): string {
  if (key.current) return "current";
  if (key.retired) return "retired";
  return key.retiresAt === null ? "published" : `published until ${iso(key.retiresAt)}`;
}

/** Every administrative command, keyed by its words. `serve` and `migrate` live in main.ts. */
export const COMMANDS: Record<string, Command> = {
  "user create": {
    options: {
      username: { value: "U", required: true },
      password: { value: "P" },
      "password-stdin": { stdinFor: "password" },
      email: { value: "E" },
      role: { value: "R", repeatable: true },
    },
    groups: [{ names: ["password", "password-stdin"], required: true }],
    async run(core, args, out) {
      const user = await core.register({
        username: need(args, "username"),
        password: need(args, "password"),
        email: one(args, "email") ?? null,
        roles: args.options.get("role") ?? [],
      });
      out(`created user ${user.username} (${user.id})`);
    },
  },
  "user disable": {
    words: ["USERNAME"],
    async run(core, args, out) {
      const user = await core.setUserEnabled(word(args, 0), false);
      out(`disabled ${user.username}; every session revoked`);
    },
  },
  "user enable": {
    words: ["USERNAME"],
    async run(core, args, out) {
      const user = await core.setUserEnabled(word(args, 0), true);
      out(`enabled ${user.username}`);
    },
  },
  "user delete": {
    words: ["USERNAME"],
    async run(core, args, out) {
      await core.deleteUser(word(args, 0));
      out("deleted");
    },
  },
  "user add-role": {
    words: ["USERNAME", "ROLE"],
    async run(core, args, out) {
      await core.addUserRole(word(args, 0), word(args, 1));
      out("role added");
    },
  },
  "user list": listUsers,
  "user show": showUser,
  "role create": {
    words: ["ROLE"],
    options: { description: { value: "D" } },
    async run(core, args, out) {
      const role = await core.createRole(word(args, 0), one(args, "description") ?? null);
      out(`created role ${role.name} (${role.id})`);
    },
  },
  "role grant": {
    words: ["ROLE", "PERMISSION"],
    async run(core, args, out) {
      await core.grantPermission(word(args, 0), word(args, 1));
      out("granted");
    },
  },
  "role list": listRoles,
  "permission create": {
    words: ["PERMISSION"],
    options: { description: { value: "D" } },
    async run(core, args, out) {
      const permission = await core.createPermission(word(args, 0), one(args, "description") ?? null);
      out(`created permission ${permission.name} (${permission.id})`);
    },
  },
  "permission list": listPermissions,
  ...CLIENT_COMMANDS,
  "keys rotate": {
    async run(core, _args, out) {
      const key = await core.rotateSigningKey();
      out(`new signing key: ${key.kid} (${key.alg})`);
      out(`running servers sign with it within ${key.adoptedWithinMs / 1000} s;`);
      out(`the keys it supersedes verify, and stay published, until ${iso(key.previousRetireAt)}`);
    },
  },
  "keys list": {
    async run(core, _args, out) {
      const { alg, keys } = await core.listSigningKeys();
      if (alg === "HS256") out("JWT_ALG=HS256: tokens are signed with the shared JWT_SECRET; no stored key is used");
      // Only identifiers and dates: the key material never leaves the database.
      for (const key of keys) out(`${key.kid}  ${key.alg}  created ${iso(key.createdAt)}  ${keyState(key)}`);
    },
  },
  ...AUDIT_COMMANDS,
  ...WEBHOOK_COMMANDS,
  // Import (`gatehouse import`, docs/import.md)
  // Loaded when run: a usage or a refused command line loads none of the import's sources.
  import: {
    ...importSpec,
    prepare: async (args) => (await import("./import/command.js")).prepareImport(args),
    run: async (core, args, out, prepared) =>
      (await import("./import/command.js")).runImport(core, args, out, prepared as OpenedImport),
  },
};
