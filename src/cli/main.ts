import { ConfigError, loadConfig } from "../config/load.js";
import { isAuthError } from "../core/errors.js";
import { createLogger } from "../logger.js";
import { serve } from "../main.js";
import { createGatehouse } from "../server.js";
import { openStore } from "../store/kysely/connect.js";
import { type Args, COMMANDS, UsageError } from "./commands.js";

const FLAGS = new Set(["public"]);

function parse(argv: string[]): Args {
  const args: Args = { words: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith("--")) {
      args.words.push(token);
      continue;
    }
    const [name, inline] = token.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (FLAGS.has(name)) {
      args.flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    args.options.set(name, [...(args.options.get(name) ?? []), value]);
  }
  return args;
}

function usage(): string {
  const lines = ["serve", "migrate", ...Object.values(COMMANDS).map((command) => command.usage)];
  return `usage: gatehouse <command>\n${lines.map((line) => `  ${line}`).join("\n")}\n`;
}

/** `npx gatehouse <command>`: the same configuration and core as the server, no HTTP. */
export async function run(argv: string[]): Promise<number> {
  const [first = "help", second = "", ...rest] = argv;
  if (first === "serve") return serve().then(() => 0);
  if (first === "help" || first === "--help") {
    process.stdout.write(usage());
    return 0;
  }
  try {
    const config = loadConfig();
    if (first === "migrate") {
      const { store, migrate } = await openStore(config);
      await migrate().finally(() => store.close());
      process.stdout.write("database is up to date\n");
      return 0;
    }
    const command = COMMANDS[`${first} ${second}`];
    if (!command) throw new UsageError(`unknown command "${[first, second].join(" ").trim()}"`);
    // Info level: administrative changes leave their audit line on stderr, like the server's.
    const gatehouse = await createGatehouse(config, createLogger("info", process.stderr));
    try {
      await command.run(gatehouse.core, parse(rest), (line) => process.stdout.write(`${line}\n`));
    } finally {
      await gatehouse.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) process.stderr.write(`error: ${error.message}\n${usage()}`);
    else if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (isAuthError(error)) process.stderr.write(`error: ${error.code}${error.detail ? ` (${error.detail})` : ""}\n`);
    else throw error;
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  }
}
