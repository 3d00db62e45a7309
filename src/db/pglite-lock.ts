import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { OperationalError } from "../shared/errors.js";

/**
 * An exclusive lock on an embedded (PGlite) data directory. Two processes opening one PGlite
 * directory do not fail: they silently lose each other's writes. So the second one is refused here.
 *
 * The lock is a file holding the owner's pid. A process killed with SIGKILL leaves it behind; the next
 * process sees that pid is gone and takes the lock over (under a guard file, so two newcomers cannot
 * both take it).
 */
export class DataDirectoryLockedError extends OperationalError {
  readonly code = "data_directory_locked";
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

export interface DirectoryLock {
  release(): void;
}

export function lockDataDirectory(dataDir: string): DirectoryLock {
  // Keyed on the directory's real path: through a symlink, a trailing slash or `..`, one directory has
  // one lock. So the directory is made first (PGlite would make it anyway), then resolved.
  mkdirSync(dataDir, { recursive: true });
  const real = realpathSync(dataDir);
  const path = `${real}.lock`;
  const named = real === dataDir.replace(/\/+$/, "") ? dataDir : `${dataDir} (${real})`;
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };

  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return {
        release() {
          if (readOwner(path)?.pid === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(path);
    if (owner && owner.host === me.host && alive(owner.pid)) {
      throw new DataDirectoryLockedError(
        `the data directory ${named} is in use by process ${owner.pid} (since ${owner.since}); ` +
          "stop it first, or point DATABASE_URL at a PostgreSQL server to run several processes",
      );
    }
    if (owner && owner.host !== me.host) {
      throw new DataDirectoryLockedError(
        `the data directory ${named} is locked by process ${owner.pid} on host ${owner.host}; ` +
          `remove ${path} only if that process is gone`,
      );
    }
    // Stale (its owner died). Take it over under a guard file, re-reading the owner inside the guard,
    // so two newcomers cannot both judge the same lock stale and both take it.
    takeOverStale(path, owner);
  }
  throw new DataDirectoryLockedError(`could not lock the data directory ${named}`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function takeOverStale(path: string, judged: LockOwner | undefined): void {
  const guard = `${path}.takeover`;
  try {
    const fd = openSync(guard, "wx", 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid }));
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = readOwner(guard);
    // A newcomer died mid-takeover: clear its guard; otherwise give it a moment to finish.
    if (holder && !alive(holder.pid)) rmSync(guard, { force: true });
    else sleepSync(20);
    return;
  }
  try {
    const now = readOwner(path);
    if (now === undefined || (now.pid === judged?.pid && now.since === judged?.since && !alive(now.pid))) {
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(guard, { force: true });
  }
}
