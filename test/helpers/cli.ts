import { execFile, spawn } from "node:child_process";
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

/** A CLI process left running (`audit tail --follow`): its output so far, and how it ended. */
export type RunningCli = {
  pid: number;
  /** Resolves with the whole standard output once `count` of its lines match `pattern`; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves with the exit code and signal once the process has ended. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
};

/** Starts `gatehouse <args>` (the built CLI) and leaves it running. */
export function spawnCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid ?? -1,
    waitFor: (pattern, count = 1, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (stdout.split("\n").filter((line) => pattern.test(line)).length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(stdout);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`not ${count} lines matching ${pattern} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return { ...(await exited), stdout, stderr };
    },
  };
}
