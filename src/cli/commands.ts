import type { Core } from "../core/index.js";

/** A parsed command line: positional words and `--name value` options (repeatable). */
export type Args = { words: string[]; options: Map<string, string[]>; flags: Set<string> };

export type Command = {
  usage: string;
  run: (core: Core, args: Args, out: (line: string) => void) => Promise<void>;
};

export class UsageError extends Error {}

const one = (args: Args, name: string, required = true): string | undefined => {
  const values = args.options.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} given more than once`);
  if (required && !values?.[0]) throw new UsageError(`--${name} is required`);
  return values?.[0];
};

const word = (args: Args, index: number, name: string): string => {
  const value = args.words[index];
  if (!value) throw new UsageError(`${name} is required`);
  return value;
};

const csv = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

const iso = (ms: number): string => new Date(ms).toISOString();

function keyState(key: { current: boolean; retired: boolean; retiresAt: number | null }): string {
  if (key.current) return "current";
  if (key.retired) return "retired";
  return key.retiresAt === null ? "published" : `published until ${iso(key.retiresAt)}`;
}

/** Every administrative command, keyed by its words. `serve` and `migrate` live in main.ts. */
export const COMMANDS: Record<string, Command> = {
  "user create": {
    usage: "user create --username U --password P [--email E] [--role R]...",
    async run(core, args, out) {
      const user = await core.register({
        username: one(args, "username") as string,
        password: one(args, "password") as string,
        email: one(args, "email", false) ?? null,
        roles: args.options.get("role") ?? [],
      });
      out(`created user ${user.username} (${user.id})`);
    },
  },
  "user disable": {
    usage: "user disable USERNAME",
    async run(core, args, out) {
      const user = await core.setUserEnabled(word(args, 0, "USERNAME"), false);
      out(`disabled ${user.username}; every session revoked`);
    },
  },
  "user enable": {
    usage: "user enable USERNAME",
    async run(core, args, out) {
      const user = await core.setUserEnabled(word(args, 0, "USERNAME"), true);
      out(`enabled ${user.username}`);
    },
  },
  "user delete": {
    usage: "user delete USERNAME",
    async run(core, args, out) {
      await core.deleteUser(word(args, 0, "USERNAME"));
      out("deleted");
    },
  },
  "user add-role": {
    usage: "user add-role USERNAME ROLE",
    async run(core, args, out) {
      await core.addUserRole(word(args, 0, "USERNAME"), word(args, 1, "ROLE"));
      out("role added");
    },
  },
  "role create": {
    usage: "role create ROLE [--description D]",
    async run(core, args, out) {
      const role = await core.createRole(word(args, 0, "ROLE"), one(args, "description", false) ?? null);
      out(`created role ${role.name} (${role.id})`);
    },
  },
  "role grant": {
    usage: "role grant ROLE PERMISSION",
    async run(core, args, out) {
      await core.grantPermission(word(args, 0, "ROLE"), word(args, 1, "PERMISSION"));
      out("granted");
    },
  },
  "permission create": {
    usage: "permission create PERMISSION [--description D]",
    async run(core, args, out) {
      const permission = await core.createPermission(word(args, 0, "PERMISSION"), one(args, "description", false) ?? null);
      out(`created permission ${permission.name} (${permission.id})`);
    },
  },
  "client create": {
    usage: "client create --id ID [--secret S | --public] --grants g1,g2 [--scopes s1,s2]",
    async run(core, args, out) {
      const client = await core.createClient({
        id: one(args, "id") as string,
        secret: one(args, "secret", false) ?? null,
        isPublic: args.flags.has("public"),
        grants: csv(one(args, "grants")),
        scopes: csv(one(args, "scopes", false)),
      });
      out(`created client ${client.id}`);
      // Shown once; only its hash is stored.
      if (client.secret && !args.options.has("secret")) out(`client_secret: ${client.secret}`);
    },
  },
  "keys rotate": {
    usage: "keys rotate",
    async run(core, _args, out) {
      const key = await core.rotateSigningKey();
      out(`new signing key: ${key.kid} (${key.alg})`);
      out(`running servers sign with it within ${key.adoptedWithinMs / 1000} s;`);
      out(`the keys it supersedes verify, and stay published, until ${iso(key.previousRetireAt)}`);
    },
  },
  "keys list": {
    usage: "keys list",
    async run(core, _args, out) {
      const { alg, keys } = await core.listSigningKeys();
      if (alg === "HS256") out("JWT_ALG=HS256: tokens are signed with the shared JWT_SECRET; no stored key is used");
      // Only identifiers and dates: the key material never leaves the database.
      for (const key of keys) out(`${key.kid}  ${key.alg}  created ${iso(key.createdAt)}  ${keyState(key)}`);
    },
  },
};
