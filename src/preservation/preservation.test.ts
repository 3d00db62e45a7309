import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import { sealAudit } from "../audit/seal.js";
import { verifyAudit } from "../audit/verify.js";
import { runDueJobs } from "../jobs/jobs.js";
import { transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { jobHandlers } from "../server/job-handlers.js";
import { DomainError } from "../shared/errors.js";
import { extendPreservationHold, PRESERVATION_DAYS, REMINDER_DAYS_BEFORE } from "./preservation.service.js";

const DAY = 86_400_000;
const T0 = new Date("2020-07-12T10:00:00Z");
const day = (n: number) => new Date(T0.getTime() + n * DAY);

describe.each(DRIVERS)("preservation holds on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "U.S. Department of Justice", "US");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const preserve = async (now: Date) =>
    intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({
        jurisdiction: "US",
        process: "preservation",
        targets: [{ type: "account_id", value: "1002993841" }],
        categories: ["subscriber.name", "records.ip_logs", "content.posts"],
      }),
      actor: "intake@desk",
      now,
      agencyVerified: true,
    });
  const runJobsAt = (now: Date) => runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => now });
  const holdOf = (requestId: string) =>
    database.db
      .selectFrom("preservation_hold")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
  const statusOf = async (requestId: string) =>
    (await database.db.selectFrom("request").select("status").where("id", "=", requestId).executeTakeFirstOrThrow())
      .status;
  const jobsOf = (holdId: string) =>
    database.db
      .selectFrom("job")
      .select(["kind", "run_at", "status", "dedupe_key", "attempts", "last_error"])
      .where(sql<boolean>`payload @> ${JSON.stringify({ holdId })}::jsonb`)
      .orderBy("id")
      .execute();
  const trail = (objectIds: string[]) =>
    database.db
      .selectFrom("audit_event")
      .select(["action", "actor", "object_id", "occurred_at", "payload"])
      .where("object_id", "in", objectIds)
      .orderBy("id")
      .execute();

  it("holds for 90 days, reminds at day 76, renews once to 180 days, expires and closes at 180", async () => {
    const intake = await preserve(T0);
    expect(intake.status).toBe("preserved");
    expect(intake.decision.outcome).toBe("preserve");
    const requestId = intake.id;
    const hold = await holdOf(requestId);
    const holdId = hold.id;
    expect(hold).toMatchObject({ status: "active", extensions: 0 });
    expect(hold.expires_at.getTime()).toBe(day(PRESERVATION_DAYS).getTime());
    expect(await statusOf(requestId)).toBe("preserved");
    // Expiry and its reminder are jobs; a preserved request has no answer-deadline reminder.
    expect(await jobsOf(holdId)).toEqual([
      expect.objectContaining({ kind: "preservation.expire", run_at: day(90), status: "pending" }),
      expect.objectContaining({
        kind: "preservation.remind",
        run_at: day(90 - REMINDER_DAYS_BEFORE),
        status: "pending",
      }),
    ]);
    expect(
      await database.db
        .selectFrom("job")
        .select("id")
        .where(sql<boolean>`payload @> ${JSON.stringify({ requestId })}::jsonb`)
        .execute(),
    ).toEqual([]);
    expect((await trail([requestId, holdId])).map((e) => e.action)).toEqual([
      "request.received",
      "request.decided",
      "preservation.created",
    ]);

    // Day 75: nothing is due yet.
    expect(await runJobsAt(day(75))).toEqual({ ran: 0, failed: 0 });

    // Day 76: the reminder goes out; the hold is not expired.
    expect(await runJobsAt(day(76))).toEqual({ ran: 1, failed: 0 });
    expect(await holdOf(requestId)).toMatchObject({ status: "active", extensions: 0 });
    expect(await statusOf(requestId)).toBe("preserved");
    const reminders = (await trail([holdId])).filter((e) => e.action === "reminder.sent");
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      actor: "system:jobs",
      occurred_at: day(76),
      payload: { requestId, about: "preservation expiry", expiresAt: day(90).toISOString(), renewable: true },
    });

    // Renewed once: 90 more days from the original expiry.
    const extended = await extendPreservationHold(database.db, holdId, "counsel@desk", day(76));
    expect(extended.expiresAt.getTime()).toBe(day(180).getTime());
    expect(await holdOf(requestId)).toMatchObject({ status: "active", extensions: 1, expires_at: day(180) });
    const jobs = await jobsOf(holdId);
    expect(jobs.map((j) => [j.kind, j.run_at.getTime(), j.status])).toEqual([
      ["preservation.expire", day(90).getTime(), "pending"],
      ["preservation.remind", day(76).getTime(), "done"],
      ["preservation.expire", day(180).getTime(), "pending"],
      ["preservation.remind", day(166).getTime(), "pending"],
    ]);

    // A second renewal is refused and changes nothing.
    const second = extendPreservationHold(database.db, holdId, "counsel@desk", day(80));
    await expect(second).rejects.toBeInstanceOf(DomainError);
    await expect(second).rejects.toMatchObject({ code: "invalid_transition", message: /already renewed once/ });
    expect(await holdOf(requestId)).toMatchObject({ extensions: 1, expires_at: day(180) });
    expect(await jobsOf(holdId)).toHaveLength(4);
    expect((await trail([holdId])).filter((e) => e.action === "preservation.extended")).toHaveLength(1);

    // Day 100: the original (day-90) expiry job runs and does nothing: the hold was renewed.
    expect(await runJobsAt(day(100))).toEqual({ ran: 1, failed: 0 });
    expect((await jobsOf(holdId))[0]).toMatchObject({ kind: "preservation.expire", status: "done", attempts: 1 });
    expect(await holdOf(requestId)).toMatchObject({ status: "active" });
    expect(await statusOf(requestId)).toBe("preserved");
    expect((await trail([requestId, holdId])).map((e) => e.action)).not.toContain("preservation.expired");

    // Day 181: the second reminder (due at 166) and the real expiry run; the request is closed.
    expect(await runJobsAt(day(181))).toEqual({ ran: 2, failed: 0 });
    expect(await holdOf(requestId)).toMatchObject({ status: "expired", extensions: 1 });
    expect(await statusOf(requestId)).toBe("closed");
    expect((await jobsOf(holdId)).every((j) => j.status === "done" && j.last_error === null)).toBe(true);
    const events = await trail([requestId, holdId]);
    expect(events.map((e) => e.action)).toEqual([
      "request.received",
      "request.decided",
      "preservation.created",
      "reminder.sent",
      "preservation.extended",
      "reminder.sent",
      "preservation.expired",
      "request.transitioned",
    ]);
    expect(events[5]).toMatchObject({ payload: { expiresAt: day(180).toISOString(), renewable: false } });
    expect(events[6]).toMatchObject({
      actor: "system:jobs",
      object_id: holdId,
      occurred_at: day(181),
      payload: { requestId, expiredAt: day(180).toISOString() },
    });
    expect(events[7]).toMatchObject({
      actor: "system:jobs",
      object_id: requestId,
      payload: { from: "preserved", to: "closed" },
    });

    // Nothing is left to run, and an expired hold cannot be renewed.
    expect(await runJobsAt(day(400))).toEqual({ ran: 0, failed: 0 });
    await expect(extendPreservationHold(database.db, holdId, "counsel@desk", day(182))).rejects.toThrow(/is expired/);
  });

  it("expires on time when nobody renews it, and the request is closed exactly once", async () => {
    const { id: requestId } = await preserve(T0);
    const { id: holdId } = await holdOf(requestId);
    expect(await runJobsAt(day(89))).toEqual({ ran: 1, failed: 0 }); // the reminder
    expect(await holdOf(requestId)).toMatchObject({ status: "active" });
    expect(await runJobsAt(day(90))).toEqual({ ran: 1, failed: 0 });
    expect(await holdOf(requestId)).toMatchObject({ status: "expired", extensions: 0 });
    expect(await statusOf(requestId)).toBe("closed");
    const actions = (await trail([requestId, holdId])).map((e) => e.action);
    expect(actions.filter((a) => a === "preservation.expired")).toHaveLength(1);
    expect(actions.filter((a) => a === "request.transitioned")).toHaveLength(1);
  });

  it("expires a hold whose request moved on (legal process arrived) without touching the request", async () => {
    const { id: requestId } = await preserve(T0);
    await database.db
      .transaction()
      .execute((tx) =>
        transition(tx, requestId, { to: "under_review", actor: "intake@desk", reason: "warrant arrived", now: day(5) }),
      );
    expect(await runJobsAt(day(90))).toEqual({ ran: 2, failed: 0 });
    expect(await holdOf(requestId)).toMatchObject({ status: "expired" });
    expect(await statusOf(requestId)).toBe("under_review");
  });

  // A renewal before day 76 means the day-76 reminder is about an expiry that no longer stands.
  it("does not send the first reminder when the hold was renewed before it", async () => {
    const { id: requestId } = await preserve(day(1000));
    const { id: holdId } = await holdOf(requestId);
    await extendPreservationHold(database.db, holdId, "counsel@desk", day(1010));
    expect(await runJobsAt(day(1076))).toEqual({ ran: 1, failed: 0 });
    const reminders = (await trail([holdId])).filter((e) => e.action === "reminder.sent");
    expect(reminders).toEqual([]);
    // The old expiry (day 1090, does nothing) and the renewed hold's own reminder (day 1166).
    expect(await runJobsAt(day(1166))).toEqual({ ran: 2, failed: 0 });
    expect((await trail([holdId])).filter((e) => e.action === "reminder.sent")).toHaveLength(1);
  });

  it("leaves a verifiable audit trail", async () => {
    await sealAudit(database.db);
    const report = await verifyAudit(database.db);
    expect(report.problems).toEqual([]);
    // On a shared PostgreSQL server another database's open transaction holds the (cluster-wide)
    // snapshot xmin back, and with it the sealer; PGlite has no such neighbours.
    if (driver === "pglite") expect(report.unsealed).toBe(0);
    expect(report.entries).toBeGreaterThan(15);
  });
});
