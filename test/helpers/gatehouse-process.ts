import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/gatehouse.js", import.meta.url));

export type GatehouseProcess = { url: string; child: ChildProcess; output: () => string; stop: () => Promise<number | null> };

/**
 * Starts `gatehouse serve` (the built CLI) as a process of its own on a random loopback port;
 * resolves once it logs that it listens. `stop` sends SIGTERM and resolves with the exit code.
 */
export function spawnGatehouse(env: Record<string, string>): Promise<GatehouseProcess> {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", METRICS_PORT: "0", RATE_LIMIT_MAX: "100000", ...env },
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*"msg":"gatehouse listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        const stop = () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          return exited;
        };
        resolve({ url: match[1], child, output: () => output, stop });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}
