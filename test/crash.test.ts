import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { sealAudit } from "../src/audit/seal.js";
import { verifyAudit } from "../src/audit/verify.js";
import { openDatabase } from "../src/db/database.js";
import { createPostgresDatabase, DRIVERS } from "./support/db.js";
import { ROOT } from "./support/fixtures.js";

/**
 * The crash test. A child process (support/crash-intake.ts) intakes requests as fast as it can and
 * prints `ack <reference> <sha256>` after each commit; this test SIGKILLs it at random moments and
 * restarts it, over and over. Every acknowledged request must then be in the database, whole (its
 * document and hash, targets, first decision and audit entry), and the audit log must seal and verify.
 * On PGlite every restart must also take over the lock the killed process left behind.
 */

const MIN_KILLS = 20;
const MIN_ACKS = 1000;
/** Stop killing after this long even if the figures above were not reached (the test then fails). */
const BUDGET_MS = 150_000;
const CHECK_EVERY = 5;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Life {
  pid: number;
  ready: boolean;
  acks: Array<[reference: string, sha: string]>;
  exit: NodeJS.Signals | number | null;
  stderr: string;
}

/** Start the intake child, wait until it is ready, let it run `delay` ms, SIGKILL it. */
async function liveAndDie(args: string[], killAt: { afterReady: number } | { afterSpawn: number }): Promise<Life> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    ["--import", "tsx", "test/support/crash-intake.ts", ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const life: Life = { pid: child.pid as number, ready: false, acks: [], exit: null, stderr: "" };
  child.stderr.on("data", (chunk: Buffer) => {
    life.stderr += chunk.toString();
  });
  let pending = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    // Only whole lines count: a line cut short by the kill promised nothing.
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "ready") {
        life.ready = true;
        onReady();
        continue;
      }
      const ack = /^ack (\S+) ([0-9a-f]{64})$/.exec(line);
      if (!ack) throw new Error(`unexpected line from the intake child: ${line}`);
      life.acks.push([ack[1] as string, ack[2] as string]);
    }
  });
  const closed = new Promise<void>((resolve) =>
    child.on("close", (code, signal) => {
      life.exit = signal ?? code;
      resolve();
    }),
  );
  if ("afterSpawn" in killAt) {
    await Promise.race([sleep(killAt.afterSpawn), closed]);
  } else {
    await Promise.race([ready, closed, sleep(60_000)]);
    if (life.ready) await Promise.race([sleep(killAt.afterReady), closed]);
  }
  child.kill("SIGKILL");
  await closed;
  return life;
}

interface CheckResult {
  requests: number;
  auditEntries: number;
  unsealed: number;
}

/** Everything acknowledged is stored whole; nothing stored is half an intake; the audit log verifies. */
async function check(target: string, prefix: string, acked: Map<string, string>): Promise<CheckResult> {
  const database = await openDatabase(target.startsWith("postgres") ? { url: target } : { dataDir: target });
  try {
    const { db } = database;
    const rows = await db
      .selectFrom("request as r")
      .select([
        "r.id",
        "r.reference",
        "r.process",
        "r.original_document",
        "r.original_sha256",
        (eb) =>
          eb
            .selectFrom("request_target as t")
            .whereRef("t.request_id", "=", "r.id")
            .select((e) => e.fn.countAll<number>().as("n"))
            .as("targets"),
        (eb) =>
          eb
            .selectFrom("decision as d")
            .whereRef("d.request_id", "=", "r.id")
            .where("d.sequence", "=", 1)
            .where("d.cause", "=", "intake")
            .select((e) => e.fn.countAll<number>().as("n"))
            .as("decisions"),
        (eb) =>
          eb
            .selectFrom("audit_event as a")
            .where("a.object_type", "=", "request")
            .where("a.action", "=", "request.received")
            .where(sql<boolean>`a.object_id = r.id::text`)
            .select((e) => e.fn.countAll<number>().as("n"))
            .as("received_events"),
        (eb) =>
          eb
            .selectFrom("preservation_hold as h")
            .whereRef("h.request_id", "=", "r.id")
            .select((e) => e.fn.countAll<number>().as("n"))
            .as("holds"),
      ])
      .where("r.reference", "like", `${prefix}-%`)
      .execute();
    const byReference = new Map(rows.map((row) => [row.reference, row]));

    const missing = [...acked.keys()].filter((reference) => !byReference.has(reference));
    expect(missing, `${missing.length} acknowledged requests are missing`).toEqual([]);
    for (const [reference, sha] of acked) {
      const row = byReference.get(reference);
      expect(row?.original_sha256, reference).toBe(sha);
    }
    // Every stored request, acknowledged or not (killed between commit and `ack`), is a whole intake.
    for (const row of rows) {
      const document = JSON.parse(row.original_document) as { targets: unknown[] };
      expect(sha256(row.original_document), row.reference).toBe(row.original_sha256);
      expect(
        {
          targets: Number(row.targets),
          decisions: Number(row.decisions),
          received: Number(row.received_events),
          holds: Number(row.holds),
        },
        row.reference,
      ).toEqual({
        targets: document.targets.length,
        decisions: 1,
        received: 1,
        holds: row.process === "preservation" ? 1 : 0,
      });
    }

    await sealAudit(db);
    const report = await verifyAudit(db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    return { requests: rows.length, auditEntries: report.entries, unsealed: report.unsealed };
  } finally {
    await database.close();
  }
}

describe.each(DRIVERS)("crash test on %s", (driver) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it(
    `keeps every acknowledged intake through ≥${MIN_KILLS} SIGKILLs and ≥${MIN_ACKS} acknowledged requests`,
    async () => {
      let target: string;
      if (driver === "pglite") {
        const dir = mkdtempSync(join(tmpdir(), "custodian-crash-"));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        target = join(dir, "data");
      } else {
        const created = await createPostgresDatabase();
        cleanups.push(() => created.drop());
        target = created.url;
      }
      const runId = `CRASH-${randomBytes(4).toString("hex")}`;
      // PGlite serializes transactions in its one connection; on PostgreSQL several intakes are in flight
      // when the kill lands.
      const concurrency = driver === "pglite" ? 1 : 4;

      const acked = new Map<string, string>();
      const started = Date.now();
      let kills = 0;
      let earlyKills = 0;
      let intakeMs = 0;
      let checks = 0;
      let lastCheck: CheckResult | undefined;
      while ((kills < MIN_KILLS || acked.size < MIN_ACKS) && Date.now() - started < BUDGET_MS) {
        const generation = kills + earlyKills;
        const args = [target, `${runId}-g${generation}`, String(acked.size), String(concurrency)];
        // Now and then, once the database exists, kill it while it is still starting (opening, migrating).
        // Otherwise kill it 50–600 ms after it is ready, or (one life in three, and every life once the
        // kills are done but the acknowledged intakes are not, so both add up within the time budget on
        // a slow or busy machine) 0.6–4 s after.
        const early = generation > 0 && generation % 7 === 0 && kills < MIN_KILLS;
        const long = kills >= MIN_KILLS || Math.random() < 1 / 3;
        const delay = early ? randomBetween(0, 1500) : long ? randomBetween(600, 4000) : randomBetween(50, 600);
        const life = await liveAndDie(args, early ? { afterSpawn: delay } : { afterReady: delay });
        expect(life.exit, `intake child ${life.pid} ended by itself: ${life.stderr}`).toBe("SIGKILL");
        expect(life.ready || early, `intake child ${life.pid} was never ready: ${life.stderr}`).toBe(true);
        for (const [reference, sha] of life.acks) {
          expect(acked.has(reference), `${reference} acknowledged twice`).toBe(false);
          acked.set(reference, sha);
        }
        if (life.ready && !early) {
          kills += 1;
          intakeMs += delay;
        } else {
          earlyKills += 1;
        }
        if (driver === "pglite" && life.ready) {
          // The killed process left its lock behind; the next one has to take it over.
          const owner = JSON.parse(readFileSync(`${target}.lock`, "utf8")) as { pid: number };
          expect(owner.pid).toBe(life.pid);
        }
        if (kills > 0 && kills % CHECK_EVERY === 0 && life.ready && !early) {
          lastCheck = await check(target, runId, acked);
          checks += 1;
        }
      }
      lastCheck = await check(target, runId, acked);
      checks += 1;
      if (driver === "pglite") expect(existsSync(`${target}.lock`)).toBe(false);

      const seconds = (Date.now() - started) / 1000;
      console.log(
        `crash test on ${driver}: ${kills} kills after ready + ${earlyKills} during start-up, ` +
          `${acked.size} acknowledged intakes (${lastCheck.requests} stored), ` +
          `${Math.round(acked.size / (intakeMs / 1000))} intakes/s while running, ${checks} checks, ` +
          `${lastCheck.auditEntries} audit entries sealed (${lastCheck.unsealed} unsealed), ${seconds.toFixed(1)} s`,
      );
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(acked.size).toBeGreaterThanOrEqual(MIN_ACKS);
      if (driver === "pglite") expect(lastCheck.unsealed).toBe(0);
    },
    BUDGET_MS + 60_000,
  );
});
