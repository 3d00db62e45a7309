import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../../test/support/db.js";
import { ROOT } from "../../test/support/fixtures.js";
import { durabilityProblems, openDatabase } from "./database.js";
import { migrateToLatest } from "./migrate.js";
import { DataDirectoryLockedError } from "./pglite-lock.js";

const scratch = mkdtempSync(join(tmpdir(), "custodian-db-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lockOwner = (dataDir: string) =>
  JSON.parse(readFileSync(`${dataDir}.lock`, "utf8")) as { pid: number; host: string; since: string };

/**
 * A child process opening `target` (test/support/crash-open.ts); resolves with its first line, `ready <pid>`
 * or `refused <code> <message>`, and leaves it running until the test kills it.
 */
async function openInChild(target: string, agencyName?: string) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    ["--import", "tsx", "test/support/crash-open.ts", target, ...(agencyName ? [agencyName] : [])],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const closed = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on("close", (code, signal) => resolve(signal ?? code)),
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    void closed.then((how) => reject(new Error(`child exited (${how}) before it said anything: ${stderr}`)));
  });
  return { child, closed, line };
}

describe("the PGlite data directory lock", () => {
  it("refuses a second process while one holds the directory, and takes the lock over once it was SIGKILLed", async () => {
    const dataDir = join(scratch, "held");
    const { child, closed, line } = await openInChild(dataDir, "Committed Before The Kill");
    try {
      expect(line).toBe(`ready ${child.pid}`);
      expect(lockOwner(dataDir).pid).toBe(child.pid);
      const refused = openDatabase({ dataDir });
      await expect(refused).rejects.toBeInstanceOf(DataDirectoryLockedError);
      await expect(refused).rejects.toMatchObject({
        code: "data_directory_locked",
        message: expect.stringContaining(`the data directory ${dataDir} is in use by process ${child.pid}`),
      });
      // Being refused left the holder's lock alone.
      expect(lockOwner(dataDir).pid).toBe(child.pid);
    } finally {
      child.kill("SIGKILL");
    }
    expect(await closed).toBe("SIGKILL");
    // SIGKILL leaves the lock file behind, naming a process that is gone.
    expect(lockOwner(dataDir).pid).toBe(child.pid);

    const database = await openDatabase({ dataDir });
    try {
      expect(lockOwner(dataDir).pid).toBe(process.pid);
      await migrateToLatest(database.db);
      const agencies = await database.db.selectFrom("agency").select("name").execute();
      expect(agencies).toEqual([{ name: "Committed Before The Kill" }]);
      // The process holding it is refused too: one open per directory, whoever asks.
      await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirectoryLockedError);
    } finally {
      await database.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    // Closed cleanly: the next open needs no takeover and sees the same data.
    const again = await openDatabase({ dataDir });
    try {
      expect(await again.db.selectFrom("agency").select("name").execute()).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it("holds through a symlink, a trailing slash and `..`, and the refused command says so clearly", async () => {
    const dataDir = join(scratch, "real");
    const link = join(scratch, "link-to-real");
    const { child, closed, line } = await openInChild(dataDir);
    try {
      expect(line).toBe(`ready ${child.pid}`);
      symlinkSync(dataDir, link);
      for (const alias of [link, `${link}/`, `${dataDir}/`, join(scratch, "real", "..", "real")]) {
        await expect(openDatabase({ dataDir: alias })).rejects.toThrow(
          new RegExp(`the data directory .* is in use by process ${child.pid}`),
        );
      }
      const cli = spawnSync(process.execPath, ["dist/cli/main.js", "audit", "verify", "--data", link], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(cli.status).toBe(1);
      expect(cli.stderr).toBe(
        `custodian: the data directory ${link} (${dataDir}) is in use by process ${child.pid} (since ${lockOwner(dataDir).since}); ` +
          "stop it first, or point DATABASE_URL at a PostgreSQL server to run several processes\n",
      );
      expect(existsSync(`${link}.lock`)).toBe(false);
    } finally {
      child.kill("SIGKILL");
      await closed;
    }
  });

  it("refuses a directory locked from another host, whose processes it cannot see", async () => {
    const dataDir = join(scratch, "shared-volume");
    writeFileSync(
      `${dataDir}.lock`,
      JSON.stringify({ pid: process.pid + 1_000_000, host: "elsewhere.example", since: "2020-07-12T10:00:00Z" }),
    );
    await expect(openDatabase({ dataDir })).rejects.toThrow(
      /locked by process \d+ on host elsewhere\.example; remove .*shared-volume\.lock only if that process is gone/,
    );
    expect(lockOwner(dataDir).host).toBe("elsewhere.example");
  });

  it("takes no lock for an in-memory database", async () => {
    const [a, b] = await Promise.all([openDatabase({ dataDir: "memory://" }), openDatabase({ dataDir: "memory://" })]);
    await Promise.all([a.close(), b.close()]);
    expect(existsSync("memory:.lock")).toBe(false);
  });
});

describe("the PostgreSQL durability check", () => {
  const safe = { fsync: "on", synchronous_commit: "on", full_page_writes: "on" };

  it("accepts every synchronous_commit level that waits for the local WAL flush", () => {
    expect(durabilityProblems(safe)).toEqual([]);
    for (const level of ["local", "remote_write", "remote_apply"]) {
      expect(durabilityProblems({ ...safe, synchronous_commit: level })).toEqual([]);
    }
  });

  it("names every setting that can lose an acknowledged commit, including unreadable ones", () => {
    expect(durabilityProblems({ ...safe, synchronous_commit: "off" })).toEqual(["synchronous_commit = off"]);
    expect(durabilityProblems({ fsync: "off", synchronous_commit: "off", full_page_writes: "off" })).toEqual([
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
    ]);
    expect(durabilityProblems({})).toEqual([
      "fsync = unknown",
      "synchronous_commit = unknown",
      "full_page_writes = unknown",
    ]);
  });

  const url = process.env.DATABASE_URL;

  it.runIf(url)("passes on the local server, whose settings it reads", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const settings: Record<string, string> = {};
    try {
      for (const name of ["fsync", "synchronous_commit", "full_page_writes"]) {
        settings[name] = (await client.query<Record<string, string>>(`show ${name}`)).rows[0]?.[name] as string;
      }
    } finally {
      await client.end();
    }
    expect(durabilityProblems(settings)).toEqual([]);
    const database = await openDatabase({ url });
    try {
      expect(database.driver).toBe("postgres");
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  });

  it.runIf(url)("refuses a database whose settings turn synchronous_commit off, unless told to accept it", async () => {
    const created = await createPostgresDatabase();
    try {
      const name = new URL(created.url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`alter database ${name} set synchronous_commit = off`);
      await admin.end();

      // Refused in a process of its own: a refused openDatabase leaves a pool connection open (see the
      // report), which the forced drop below would turn into an uncaught error in this process.
      const { child, closed, line } = await openInChild(created.url);
      child.kill("SIGKILL");
      await closed;
      expect(line).toMatch(
        /^refused unsafe_durability refusing to start: .*\(synchronous_commit = off\).*CUSTODIAN_ALLOW_UNSAFE_DURABILITY=true/,
      );

      const accepted = await openDatabase({ url: created.url, allowUnsafeDurability: true });
      try {
        const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(accepted.db);
        expect(rows).toEqual([{ synchronous_commit: "off" }]);
      } finally {
        await accepted.close();
      }
    } finally {
      await created.drop();
    }
  });
});
