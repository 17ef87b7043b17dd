import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A PostgreSQL server of a test's own (initdb in a temp folder, its own port), so that the
 * test can stop, kill and restart it without disturbing the shared server other suites use.
 * Needs the PostgreSQL server binaries and root (initdb runs as the `postgres` user).
 */
export type PrivatePostgres = {
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
};

function serverBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  const bin = version ? join(root, version, "bin") : "";
  return existsSync(join(bin, "initdb")) ? bin : null;
}

/** Why a private server cannot run here, or `null` when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!serverBinaries()) return "no PostgreSQL server binaries under /usr/lib/postgresql";
  if (process.getuid?.() !== 0) return "initdb must be run as the postgres user, which needs root";
  return null;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = serverBinaries() as string;
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-pg-"));
  chownSync(
    dir,
    Number(execFileSync("id", ["-u", "postgres"]).toString()),
    Number(execFileSync("id", ["-g", "postgres"]).toString()),
  );
  const data = join(dir, "data");
  const port = await freePort();
  const asPostgres = (command: string, args: string[]) =>
    execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", [join(bin, command), ...args].map((a) => `'${a}'`).join(" ")], {
      stdio: "pipe",
    });
  asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on`;
  const start = () => asPostgres("pg_ctl", ["-D", data, "-o", options, "-w", "-l", join(dir, "log"), "start"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // Immediate mode: the server goes away as in a crash, dropping every connection at once.
    stop: () => asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    start,
    destroy() {
      try {
        asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
