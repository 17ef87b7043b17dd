#!/usr/bin/env node
// Entry point of `npx gatehouse` and `npm start`; runs the compiled code in dist/.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("gatehouse is not built yet: run `npm install` (or `npm run build`) first\n");
  process.exit(1);
}
const { run } = await import(entry.href);
const code = await run(process.argv.slice(2));
if (process.argv[2] !== "serve") process.exit(code);
