import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A PostgreSQL cluster of a test's own, for tests that stop or restart the server: the shared one on
 * 5432 is never touched. initdb and pg_ctl come from `pg_config --bindir` and run as the `postgres` user
 * (PostgreSQL refuses to run as root), in a temporary directory, on a free port, listening on 127.0.0.1
 * only, trust authentication. `available` is false where PostgreSQL's binaries are not installed.
 */

function binDir(): string | undefined {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    return existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const BIN = binDir();
const asRoot = process.getuid?.() === 0;

export const clusterAvailable = BIN !== undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Cluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** `pg_ctl restart -m MODE`: `immediate` is a crash (no shutdown checkpoint; clients cut at once). */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Stop the server and delete its directory. */
  destroy(): Promise<void>;
}

/** Run as the postgres user when the test runs as root; as the current user otherwise. Never blocks the loop. */
function run(command: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  return new Promise((resolve, reject) =>
    execFile(file, argv as string[], { encoding: "utf8" }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(" ")} failed: ${stderr}${stdout}`)) : resolve(),
    ),
  );
}

export async function startCluster(): Promise<Cluster> {
  if (!BIN) throw new Error("PostgreSQL's initdb is not installed");
  const root = mkdtempSync(join(tmpdir(), "custodian-pg-"));
  if (asRoot) execFileSync("chown", ["postgres:postgres", root]);
  const data = join(root, "data");
  const port = await freePort();
  await run(join(BIN, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${root} -c max_connections=60`;
  const pgCtl = (...args: string[]) =>
    run(join(BIN, "pg_ctl"), ["-D", data, "-l", join(root, "log"), "-o", options, "-w", "-t", "60", ...args]);
  await pgCtl("start");
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: (mode = "immediate") => pgCtl("restart", "-m", mode),
    stop: (mode = "fast") => pgCtl("stop", "-m", mode),
    start: () => pgCtl("start"),
    async destroy() {
      await pgCtl("stop", "-m", "immediate").catch(() => {
        // Already stopped.
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
