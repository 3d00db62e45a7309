import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { DriverName } from "../../src/db/database.js";
import { ROOT } from "./fixtures.js";
import { openDesk } from "./http.js";

/**
 * A real Custodian process (`node dist/cli/main.js …`, built by `npm run build`; npm ci builds it too), as an
 * operator runs it: its output collected, its exit awaited, and signals sent to it for real.
 */
export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Whether it is still running. */
  running(): boolean;
  /** Resolves once `pattern` appears on stdout (rejects if the process ends first or `ms` pass). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** SIGKILL, if still running (clean-up after a failed test). */
  kill(): Promise<void>;
}

export function startProcess(args: string[], env: Record<string, string | undefined>): ServerProcess {
  const child = spawn(process.execPath, [`${ROOT}dist/cli/main.js`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let ended = false;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on("close", (code, signal) => {
      ended = true;
      resolve(signal ?? code);
    }),
  );
  const waiters: Array<() => void> = [];
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    running: () => !ended,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; stderr: ${err}`)), ms);
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          } else if (ended) {
            clearTimeout(timer);
            reject(new Error(`the process ended before ${pattern}; stdout: ${out} stderr: ${err}`));
          } else {
            waiters.push(check);
          }
        };
        void exited.then(() => {
          for (const wake of waiters.splice(0)) wake();
        });
        check();
      });
    },
    async kill() {
      if (!ended) child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * A store a server process will open next: migrated, with the desk's accounts, and an API token of the
 * first agency's officer. The in-process app and the database are closed again (releasing an embedded
 * directory's lock). `where` as for openDesk.
 */
export async function storeWithOfficerToken(
  driver: DriverName,
  where: { adminUrl?: string; dataDir?: string },
): Promise<{ token: string; url: string | undefined }> {
  const desk = await openDesk(driver, {}, where);
  try {
    const session = await desk.signIn(desk.accounts.officerA);
    const created = await desk.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: session.headers,
      payload: { name: "case system", scopes: ["requests:read", "requests:write"] },
    });
    if (created.statusCode !== 201) throw new Error(`token not created: ${created.body}`);
    return { token: (created.json() as { token: string }).token, url: desk.database.url };
  } finally {
    await desk.app.close();
    await desk.database.close();
  }
}
