import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));

export type CliResult = { code: number; stdout: string; stderr: string };

export type CliOptions = {
  /** Written to the CLI's standard input, which is then closed (it is closed empty without). */
  input?: string;
  /**
   * Called once the process is running, before `input` is written: a CLI that reads its
   * standard input is still waiting then, so its `/proc/<pid>` can be inspected.
   */
  beforeInput?: (pid: number) => void | Promise<void>;
};

/** Runs `gatehouse <args>` (the built CLI) as a separate process with the given environment. */
export function runCli(args: string[], env: Record<string, string>, options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // A CLI that exits without reading its input closes the pipe first; that is no failure here.
    child.stdin?.on("error", () => {});
    child.once("spawn", () => {
      Promise.resolve(child.pid !== undefined ? options.beforeInput?.(child.pid) : undefined)
        .then(() => child.stdin?.end(options.input ?? ""))
        .catch((error: unknown) => {
          child.kill();
          reject(error);
        });
    });
  });
}
