import type { CommandSpec } from "../options.js";

/**
 * What `import` accepts on its command line; apart from the command (./command.ts), so that
 * checking a command line or showing its usage loads none of the import's sources.
 */
export const importSpec: CommandSpec = {
  optionalWord: "FILE|-",
  options: {
    from: { value: "NAME" },
    source: { value: "SOURCE" },
    "on-conflict": { value: "skip|update|fail" },
    "dry-run": {},
    rejects: { value: "FILE" },
  },
};
