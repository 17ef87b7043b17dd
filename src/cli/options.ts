import { parseArgs } from "node:util";

/** A mistake in the command line: reported with the command's usage, exit status 2. */
export class UsageError extends Error {}

/** A source, database or configuration that cannot be used: one line, exit status 2, nothing written. */
export class SourceError extends Error {}

/** The message of a driver's error, which for a refused connection may be only a code. */
export function describeError(error: unknown): string {
  const { message, code, errors } = error as { message?: string; code?: string; errors?: { message?: string }[] };
  return message || errors?.[0]?.message || code || String(error);
}

/** One option a command takes. */
export type OptionSpec = {
  /** Placeholder of the option's value in the usage line; a flag (no value) has none. */
  value?: string;
  required?: boolean;
  repeatable?: boolean;
  /** A flag that reads the value of this other option from standard input instead. */
  stdinFor?: string;
};

/** Options of which at most one may be given; `required`: exactly one. */
export type OptionGroup = { names: string[]; required?: boolean };

/** What a command accepts on its command line, after its own words. */
export type CommandSpec = {
  /** Positional arguments, each required, in order; the names are their usage placeholders. */
  words?: string[];
  /** One optional positional argument after `words`, shown as `[NAME]`. */
  optionalWord?: string;
  options?: Record<string, OptionSpec>;
  groups?: OptionGroup[];
};

/** A validated command line: positional words, option values (by name) and flags given. */
export type Args = { words: string[]; options: Map<string, string[]>; flags: Set<string> };

/** An option's value; the parser has already refused a repeated or missing required one. */
export const one = (args: Args, name: string): string | undefined => args.options.get(name)?.[0];

export const need = (args: Args, name: string): string => {
  const value = one(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
};

/** The positional word at `index`; the parser has checked that every declared word is there. */
export const word = (args: Args, index: number): string => args.words[index] ?? "";

/** A comma-separated list (`--grants password,refresh_token`); blanks are dropped. */
export const csv = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

export type ParsedLine = {
  args: Args;
  /** `--help` was given: show the usage instead of running. */
  help: boolean;
  /** A flag given to read an option's value from standard input. */
  stdin: { flag: string; option: string } | null;
};

const optionText = (name: string, option: OptionSpec): string => (option.value ? `--${name} ${option.value}` : `--${name}`);

/** `a`, `a or b`, `a, b or c` (with `and` in place of `or` if asked). */
const list = (items: string[], last: "or" | "and"): string =>
  items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`;

/** The usage line of a command, e.g. `role create ROLE [--description D]`, from its spec. */
export function usageLine(name: string, spec: CommandSpec): string {
  const parts = [name, ...(spec.words ?? []), ...(spec.optionalWord ? [`[${spec.optionalWord}]`] : [])];
  const shown = new Set<string>();
  for (const [option, declared] of Object.entries(spec.options ?? {})) {
    if (shown.has(option)) continue;
    const group = spec.groups?.find((candidate) => candidate.names.includes(option));
    if (group) {
      const members = group.names.map((member) => optionText(member, spec.options?.[member] ?? {}));
      for (const member of group.names) shown.add(member);
      parts.push(group.required ? `(${members.join(" | ")})` : `[${members.join(" | ")}]`);
      continue;
    }
    const text = optionText(option, declared);
    parts.push(`${declared.required ? text : `[${text}]`}${declared.repeatable ? "..." : ""}`);
  }
  return parts.join(" ");
}

/**
 * Checks `argv` against the command's spec and returns it parsed. Node's `parseArgs` splits the
 * tokens (`--name value`, `--name=value`, `--`); the checks are ours, so that each problem is one
 * plain sentence and a repeated option is caught (strict `parseArgs` keeps the last silently).
 */
export function parseCommandLine(spec: CommandSpec, argv: string[]): ParsedLine {
  const declared = spec.options ?? {};
  const types = Object.fromEntries(
    Object.entries(declared).map(([name, option]) => [name, { type: option.value ? "string" : "boolean" } as const]),
  );
  const { tokens } = parseArgs({ args: argv, options: types, strict: false, allowPositionals: true, tokens: true });
  const parsed: ParsedLine = { args: { words: [], options: new Map(), flags: new Set() }, help: false, stdin: null };
  // `--help` anywhere wins over any other problem on the line.
  if (tokens.some((token) => token.kind === "option" && token.rawName === "--help")) return { ...parsed, help: true };
  const { args } = parsed;
  for (const token of tokens) {
    if (token.kind === "positional") args.words.push(token.value);
    if (token.kind !== "option") continue;
    const option = Object.hasOwn(declared, token.name) ? declared[token.name] : undefined;
    if (!option) throw new UsageError(`unknown option ${token.rawName}`);
    if (!option.repeatable && (args.options.has(token.name) || args.flags.has(token.name))) {
      throw new UsageError(`${token.rawName} given more than once`);
    }
    if (!option.value) {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      args.flags.add(token.name);
      if (option.stdinFor) parsed.stdin = { flag: token.name, option: option.stdinFor };
      continue;
    }
    args.options.set(token.name, [...(args.options.get(token.name) ?? []), valueOf(token)]);
  }
  checkWords(
    spec.optionalWord ? [...(spec.words ?? []), spec.optionalWord] : (spec.words ?? []),
    args.words,
    spec.optionalWord !== undefined,
  );
  checkPresence(spec, args);
  return parsed;
}

type OptionToken = { rawName: string; value?: string | undefined; inlineValue?: boolean | undefined };

/** The value of `--name value` or `--name=value`; the next option is never taken for a value. */
function valueOf(token: OptionToken): string {
  const { rawName, value } = token;
  if (value === undefined || value === "") throw new UsageError(`${rawName} needs a value`);
  // `--id --grants x`: `--grants` is the next option, not the id; `--id=-x` is how to mean it.
  if (!token.inlineValue && value.length > 1 && value.startsWith("-")) {
    throw new UsageError(`${rawName} needs a value, not "${value}" (write ${rawName}=VALUE for one that starts with "-")`);
  }
  return value;
}

/** Every declared word is there (the last may be missing when it is optional), and nothing more. */
function checkWords(names: string[], words: string[], lastOptional: boolean): void {
  const extra = words[names.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  names.forEach((name, index) => {
    const optional = lastOptional && index === names.length - 1;
    if (!words[index] && !optional) throw new UsageError(`${name} is required`);
  });
}

/** Required options and groups are there; at most one of each group is. */
function checkPresence(spec: CommandSpec, args: Args): void {
  const given = (name: string) => args.options.has(name) || args.flags.has(name);
  const grouped = new Set(spec.groups?.flatMap((group) => group.names));
  for (const [name, option] of Object.entries(spec.options ?? {})) {
    if (option.required && !grouped.has(name) && !given(name)) throw new UsageError(`--${name} is required`);
  }
  for (const group of spec.groups ?? []) {
    const present = group.names.filter(given).map((name) => `--${name}`);
    if (present.length > 1) throw new UsageError(`${list(present, "and")} cannot be used together`);
    if (group.required && present.length === 0) {
      throw new UsageError(
        `${list(
          group.names.map((name) => `--${name}`),
          "or",
        )} is required`,
      );
    }
  }
}
