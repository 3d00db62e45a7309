import { statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { sql } from "kysely";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";

/**
 * Readiness: can this process do its work right now? Liveness (the process answers) is not enough: a
 * database that is down, read-only (a standby after a failover) or out of disk leaves the process alive
 * while every write fails. So the database must take a write (in a transaction that is rolled back, so a
 * probe leaves nothing behind), within a bound, and the disks the process writes to must have room.
 */

export interface ReadinessCheck {
  name: "database" | "disk";
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

const DATABASE_TIMEOUT_MS = 2000;
const ROLLBACK = new Error("readiness probe: roll back");

async function databaseTakesAWrite(db: Db): Promise<ReadinessCheck> {
  const started = Date.now();
  const probe = db
    .transaction()
    .execute(async (tx) => {
      // A write needs a transaction id: refused on a read-only server, failing when the catalog cannot grow.
      await sql`create temporary table readiness_probe (at timestamptz) on commit drop`.execute(tx);
      await sql`insert into readiness_probe values (now())`.execute(tx);
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe, timeout]);
    return { name: "database", ok: true, detail: `took a write in ${Date.now() - started} ms` };
  } catch (error) {
    return { name: "database", ok: false, detail: `cannot take a write: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

const mebibytes = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MiB`;

async function diskHasRoom(path: string, label: string, minFree: number): Promise<ReadinessCheck> {
  try {
    const stats = await statfs(path);
    const free = stats.bavail * stats.bsize;
    return free >= minFree
      ? { name: "disk", ok: true, detail: `${label} ${path}: ${mebibytes(free)} free` }
      : {
          name: "disk",
          ok: false,
          detail: `${label} ${path}: only ${mebibytes(free)} free, below the ${mebibytes(minFree)} required`,
        };
  } catch (error) {
    return {
      name: "disk",
      ok: false,
      detail: `${label} ${path}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`,
    };
  }
}

export async function checkReadiness(db: Db, config: Config): Promise<Readiness> {
  // The embedded database writes to its data directory; a server's disk is the server's to watch.
  const embedded = config.databaseUrl === undefined && !config.dataDir.startsWith("memory://");
  const checks = await Promise.all([
    databaseTakesAWrite(db),
    ...(embedded ? [diskHasRoom(config.dataDir, "data directory", config.minFreeDiskBytes)] : []),
    diskHasRoom(tmpdir(), "temporary directory", config.minFreeDiskBytes),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
}
