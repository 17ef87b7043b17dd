import { isAuthError } from "../core/errors.js";
import { type Command, COMMANDS } from "./commands.js";
import {
  type CommandSpec,
  describeError,
  type ParsedLine,
  parseCommandLine,
  SourceError,
  UsageError,
  usageLine,
} from "./options.js";
import { readSecretLine } from "./stdin.js";

// The server, the store and the configuration are loaded only once a command runs, so that a
// usage, `--help` or a refused command line answers at once.
const loadConfigModule = () => import("../config/load.js");

/** `serve` and `migrate` take nothing after their name; they run without the core. */
const BUILTINS: Record<string, CommandSpec> = { serve: {}, migrate: {} };

type Found = { name: string; spec: CommandSpec; command?: Command; rest: string[] };

/** The command named by the first one or two words of `argv`, and the words after it. */
function find(argv: string[]): Found | null {
  const [first = "", second = ""] = argv;
  const pair = `${first} ${second}`;
  const command = Object.hasOwn(COMMANDS, pair) ? COMMANDS[pair] : undefined;
  if (command) return { name: pair, spec: command, command, rest: argv.slice(2) };
  // A command of one word (`import`).
  const single = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (single) return { name: first, spec: single, command: single, rest: argv.slice(1) };
  const builtin = Object.hasOwn(BUILTINS, first) ? BUILTINS[first] : undefined;
  return builtin ? { name: first, spec: builtin, rest: argv.slice(1) } : null;
}

function usage(): string {
  const lines = [
    ...Object.entries(BUILTINS).map(([name, spec]) => usageLine(name, spec)),
    ...Object.entries(COMMANDS).map(([name, command]) => usageLine(name, command)),
    "help [COMMAND]",
  ];
  return `usage: gatehouse <command>\n${lines.map((line) => `  ${line}`).join("\n")}\n`;
}

const commandUsage = (found: Found): string => `usage: gatehouse ${usageLine(found.name, found.spec)}\n`;

/** A usage error: one line naming the problem, then the usage; exit status 2. */
function refuse(message: string, usageText: string): number {
  process.stderr.write(`error: ${message}\n${usageText}`);
  // `serve` leaves the exit to the event loop (bin/gatehouse.js), so the status is set here too.
  process.exitCode = 2;
  return 2;
}

const HELP_USAGE = "usage: gatehouse help [COMMAND]\n";

/** The usage of every command whose first word is `group` (`user`, `client`); `null` if none. */
function groupUsage(group: string): string | null {
  const names = Object.keys(COMMANDS).filter((name) => name.startsWith(`${group} `));
  if (names.length === 0) return null;
  const lines = names.map((name) => `  ${usageLine(name, COMMANDS[name] ?? {})}`);
  return `usage: gatehouse ${group} <command>\n${lines.join("\n")}\n`;
}

/** `help` lists every command; `help <command>` shows that command's usage, `help <group>` its group's. */
function help(words: string[]): number {
  if (words.length === 0) {
    process.stdout.write(usage());
    return 0;
  }
  if (words.length === 1 && (words[0] === "--help" || words[0] === "help")) {
    process.stdout.write(HELP_USAGE);
    return 0;
  }
  const found = find(words);
  const group = words.length === 1 ? groupUsage(words[0] ?? "") : null;
  if (!found && group !== null) {
    process.stdout.write(group);
    return 0;
  }
  if (!found || found.rest.length > 0) return refuse(`unknown command "${words.join(" ")}"`, usage());
  process.stdout.write(commandUsage(found));
  return 0;
}

/** `npx gatehouse <command>`: the same configuration and core as the server, no HTTP. */
export async function run(argv: string[]): Promise<number> {
  const [first = "help"] = argv;
  if (first === "help" || first === "--help") return help(argv.slice(1));
  const found = find(argv);
  // `gatehouse user --help`: the commands of that group.
  if (!found && argv.length === 2 && argv[1] === "--help") return help([first]);
  if (!found) return refuse(`unknown command "${argv.slice(0, 2).join(" ")}"`, usage());
  let parsed: ParsedLine;
  try {
    // Checked before anything is opened: a mistyped line changes nothing.
    parsed = parseCommandLine(found.spec, found.rest);
  } catch (error) {
    if (error instanceof UsageError) return refuse(error.message, commandUsage(found));
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(commandUsage(found));
    return 0;
  }
  if (found.name === "serve") return (await import("../main.js")).serve().then(() => 0);
  try {
    return await execute(found, parsed);
  } catch (error) {
    if (error instanceof UsageError) return refuse(error.message, commandUsage(found));
    if (error instanceof SourceError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    const { ConfigError } = await loadConfigModule();
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (isAuthError(error)) process.stderr.write(`error: ${error.code}${error.detail ? ` (${error.detail})` : ""}\n`);
    else throw error;
    return error instanceof ConfigError ? 2 : 1;
  }
}

async function execute(found: Found, { args, stdin }: ParsedLine): Promise<number> {
  if (stdin) args.options.set(stdin.option, [await readSecretLine(process.stdin, stdin.flag)]);
  const config = (await loadConfigModule()).loadConfig();
  // The one builtin that gets here (`serve` returned earlier) is `migrate`.
  if (!found.command) {
    const { openStore } = await import("../store/kysely/connect.js");
    const { store, migrate } = await openStore(config);
    await migrate().finally(() => store.close());
    process.stdout.write("database is up to date\n");
    return 0;
  }
  const [{ createGatehouse }, { createLogger }] = await Promise.all([import("../server.js"), import("../logger.js")]);
  const prepared = await found.command.prepare?.(args);
  try {
    // Info level: administrative changes leave their audit line on stderr, like the server's.
    const gatehouse = await createGatehouse(config, createLogger("info", process.stderr)).catch((error: unknown) => {
      throw isAuthError(error) ? error : new SourceError(`cannot open the database: ${describeError(error)}`);
    });
    try {
      const code = await found.command.run(gatehouse.core, args, (line) => process.stdout.write(`${line}\n`), prepared);
      return code ?? 0;
    } finally {
      await gatehouse.close();
    }
  } finally {
    await prepared?.close();
  }
}
