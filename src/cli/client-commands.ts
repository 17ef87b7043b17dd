import type { ClientSettings, ClientView } from "../core/index.js";
import { wireClient } from "../http/admin/wire.js";
import type { Command } from "./commands.js";
import { type Args, csv, need, one, type OptionSpec, UsageError, word } from "./options.js";
import { JSON_OPTION, jsonDocument, listing, shortTime } from "./read-options.js";
import { cell, EMPTY, fields, printable, table } from "./table.js";

/** The methods a confidential client may register; a public one's is `none`, set by `--public`. */
const SECRET_METHODS = ["client_secret_basic", "client_secret_post"] as const;

/** What both `client create` and `client update` may set, in the order their usage shows it. */
const SETTINGS_OPTIONS: Record<string, OptionSpec> = {
  name: { value: "NAME" },
  "redirect-uri": { value: "URI", repeatable: true },
  "post-logout-redirect-uri": { value: "URI", repeatable: true },
  "auth-method": { value: SECRET_METHODS.join("|") },
};

const given = (args: Args, name: string): boolean => args.options.has(name) || args.flags.has(name);

function authMethod(args: Args): ClientSettings["tokenEndpointAuthMethod"] {
  const method = one(args, "auth-method");
  if (method === undefined) return undefined;
  const known = SECRET_METHODS.find((candidate) => candidate === method);
  if (!known) throw new UsageError(`--auth-method must be ${SECRET_METHODS.join(" or ")}, not "${method}"`);
  return known;
}

/**
 * The settings given on the command line, and only those: an option left out leaves that
 * setting as it is on update (and at its default on create). A repeatable option's values
 * replace the whole list.
 */
function settingsOf(args: Args): ClientSettings {
  const settings: ClientSettings = {};
  const name = one(args, "name");
  if (name !== undefined) settings.name = name;
  if (args.options.has("grants")) settings.grants = csv(one(args, "grants"));
  if (args.options.has("scopes")) settings.scopes = csv(one(args, "scopes"));
  const redirectUris = args.options.get("redirect-uri");
  if (redirectUris) settings.redirectUris = redirectUris;
  const logoutUris = args.options.get("post-logout-redirect-uri");
  if (logoutUris) settings.postLogoutRedirectUris = logoutUris;
  const method = authMethod(args);
  if (method) settings.tokenEndpointAuthMethod = method;
  if (args.flags.has("first-party")) settings.firstParty = true;
  if (args.flags.has("third-party")) settings.firstParty = false;
  return settings;
}

/**
 * Checks what the option parser cannot (one option's value among a few, options that exclude
 * each other across groups) before the database is opened, like every other command-line mistake.
 */
const checked =
  (check: (args: Args) => void): Command["prepare"] =>
  async (args) => {
    check(args);
    authMethod(args);
    return { close: async () => {} };
  };

const createClient: Command = {
  options: {
    id: { value: "ID", required: true },
    secret: { value: "S" },
    "secret-stdin": { stdinFor: "secret" },
    public: {},
    grants: { value: "g1,g2", required: true },
    scopes: { value: "s1,s2" },
    ...SETTINGS_OPTIONS,
    "first-party": {},
  },
  groups: [{ names: ["secret", "secret-stdin", "public"] }],
  prepare: checked((args) => {
    // `--public` already says `none`; a secret method beside it contradicts it.
    if (args.flags.has("public") && args.options.has("auth-method")) {
      throw new UsageError("--public and --auth-method cannot be used together");
    }
  }),
  async run(core, args, out) {
    const client = await core.createClient({
      ...settingsOf(args),
      id: need(args, "id"),
      secret: one(args, "secret") ?? null,
      isPublic: args.flags.has("public"),
      grants: csv(need(args, "grants")),
    });
    out(`created client ${client.id}`);
    // A generated secret is shown once; only its hash is stored.
    if (client.secret && !args.options.has("secret")) out(`client_secret: ${client.secret}`);
  },
};

const UPDATE_SETTINGS: Record<string, OptionSpec> = {
  name: { value: "NAME" },
  grants: { value: "g1,g2" },
  scopes: { value: "s1,s2" },
  ...SETTINGS_OPTIONS,
  "first-party": {},
  "third-party": {},
};

const updateClient: Command = {
  options: { id: { value: "ID", required: true }, ...UPDATE_SETTINGS },
  groups: [{ names: ["first-party", "third-party"] }],
  prepare: checked((args) => {
    if (!Object.keys(UPDATE_SETTINGS).some((name) => given(args, name))) {
      throw new UsageError("nothing to change: give at least one option besides --id");
    }
  }),
  async run(core, args, out) {
    const client = await core.updateClient(need(args, "id"), settingsOf(args));
    out(`updated client ${client.id}`);
  },
};

const HEADER = ["ID", "TYPE", "PARTY", "AUTH-METHOD", "GRANTS", "SCOPES", "REDIRECT-URIS", "POST-LOGOUT-URIS", "NAME"];

/** Lists are comma-separated (no grant, scope or registered URI holds a space); `-` when empty. */
const items = (values: string[]): string => (values.length === 0 ? EMPTY : values.map(printable).join(","));

// Registration keeps the two in step: a public client, and only one, authenticates with `none`.
const typeOf = (client: ClientView): string => (client.isPublic ? "public" : "confidential");
const partyOf = (client: ClientView): string => (client.firstParty ? "first-party" : "third-party");

const columnsOf = (client: ClientView): string[] => [
  cell(client.id),
  typeOf(client),
  partyOf(client),
  client.tokenEndpointAuthMethod,
  items(client.grants),
  items(client.scopes),
  items(client.redirectUris),
  items(client.postLogoutRedirectUris),
  cell(client.name),
];

const listClients: Command = {
  options: JSON_OPTION,
  async run(core, args, out) {
    // Never a secret: the core hands out registrations without their secret hashes.
    const clients = await core.listClientViews();
    const lines = listing(
      args,
      clients,
      (all) => all.map(wireClient),
      (all) => table(HEADER, all.map(columnsOf)),
      "no clients",
    );
    for (const line of lines) out(line);
  },
};

const lifetime = (seconds: number | null): string => (seconds === null ? "server default" : `${seconds} s`);

const showClient: Command = {
  words: ["ID"],
  options: JSON_OPTION,
  async run(core, args, out) {
    const client = await core.clientView(word(args, 0));
    const lines = args.flags.has("json") ? jsonDocument(wireClient(client)) : fields(clientFields(client));
    for (const line of lines) out(line);
  },
};

/** A client's registration as label and value; never its secret or its hash. */
function clientFields(client: ClientView): [string, string][] {
  return [
    ["id", cell(client.id)],
    ["name", cell(client.name)],
    ["type", typeOf(client)],
    ["party", partyOf(client)],
    ["auth method", client.tokenEndpointAuthMethod],
    ["grants", items(client.grants)],
    ["scopes", items(client.scopes)],
    ["redirect uris", items(client.redirectUris)],
    ["post-logout uris", items(client.postLogoutRedirectUris)],
    ["access token ttl", lifetime(client.accessTokenTtl)],
    ["refresh token ttl", lifetime(client.refreshTokenTtl)],
    ["created", cell(shortTime(client.createdAt))],
  ];
}

/** The OAuth / OpenID Connect client commands (docs/openid-connect.md). */
export const CLIENT_COMMANDS: Record<string, Command> = {
  "client create": createClient,
  "client update": updateClient,
  "client list": listClients,
  "client show": showClient,
};
