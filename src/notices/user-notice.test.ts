import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import { seedMessengerStore } from "../fulfilment/sources/messenger.seed.js";
import { runDueJobs } from "../jobs/jobs.js";
import { readNoticeReport, recomputeNoticeReport } from "../reports/notice.repository.js";
import { PERIOD_KINDS, periodOf } from "../reports/period.js";
import { intakeRequest } from "../requests/requests.service.js";
import { jobHandlers } from "../server/job-handlers.js";
import { DAY_MS } from "../shared/time.js";
import { type NoticeKind, noticeDueAt, scheduleUserNotices } from "./user-notice.service.js";

/**
 * The notice owed to a request's users, and the report's figures on them (issue 17, item 3): a
 * national-security request's notice is barred until its gag ends, and the rollup of the notice records
 * equals the figures recomputed from the audit trail after every step of random histories, for every
 * kind of period, on both drivers.
 */

const SETTINGS = { emergencyDelayDays: 30 };

describe("noticeDueAt", () => {
  const now = new Date("2021-05-01T10:00:00Z");
  it("bars a national-security request's notice with no end when it records none", () => {
    expect(noticeDueAt({ process: "national_security", non_disclosure_until: null }, now, SETTINGS)).toEqual({
      dueAt: null,
      because: "national_security",
      barredUntil: null,
    });
  });
  it("lets a national-security request's notice go the day after its gag's last day", () => {
    expect(noticeDueAt({ process: "national_security", non_disclosure_until: "2021-06-30" }, now, SETTINGS)).toEqual({
      dueAt: new Date("2021-07-01T00:00:00Z"),
      because: "non_disclosure_order",
      barredUntil: "2021-06-30",
    });
    // A gag that ended already bars nothing.
    expect(noticeDueAt({ process: "national_security", non_disclosure_until: "2021-04-30" }, now, SETTINGS)).toEqual({
      dueAt: now,
      because: null,
      barredUntil: null,
    });
  });
  it("names the gag, not the emergency, when both hold a notice back", () => {
    expect(noticeDueAt({ process: "emergency", non_disclosure_until: "2021-05-03" }, now, SETTINGS)).toEqual({
      dueAt: new Date(now.getTime() + 30 * DAY_MS),
      because: "non_disclosure_order",
      barredUntil: "2021-05-03",
    });
    expect(noticeDueAt({ process: "emergency", non_disclosure_until: "2020-01-01" }, now, SETTINGS)).toEqual({
      dueAt: new Date(now.getTime() + 30 * DAY_MS),
      because: "emergency",
      barredUntil: null,
    });
  });
  it("bars the notice while an EU authority delays informing the user (Art. 13(3)), the later bar naming the wait", () => {
    const eu = (until?: string, ndo: string | null = null) => ({
      process: "court_order",
      non_disclosure_until: ndo,
      legal_basis: { userInformationDelay: { reason: "the investigation", ...(until ? { until } : {}) } },
    });
    expect(noticeDueAt(eu(), now, SETTINGS)).toEqual({ dueAt: null, because: "authority_delay", barredUntil: null });
    expect(noticeDueAt(eu("2021-06-30"), now, SETTINGS)).toEqual({
      dueAt: new Date("2021-07-01T00:00:00Z"),
      because: "authority_delay",
      barredUntil: "2021-06-30",
    });
    expect(noticeDueAt(eu("2021-06-30", "2021-08-31"), now, SETTINGS)).toEqual({
      dueAt: new Date("2021-09-01T00:00:00Z"),
      because: "non_disclosure_order",
      barredUntil: "2021-08-31",
    });
    // Its last day still binds; the day after, nothing does.
    const lastDay = new Date("2021-06-30T23:59:59Z");
    expect(noticeDueAt(eu("2021-06-30"), lastDay, SETTINGS).because).toBe("authority_delay");
    const dayAfter = new Date("2021-07-01T00:00:00Z");
    expect(noticeDueAt(eu("2021-06-30"), dayAfter, SETTINGS)).toEqual({
      dueAt: dayAfter,
      because: null,
      barredUntil: null,
    });
  });
  it("waits the policy's days after the answer, behind any bar", () => {
    expect(noticeDueAt({ process: "subpoena", non_disclosure_until: null }, now, SETTINGS, 14)).toEqual({
      dueAt: new Date(now.getTime() + 14 * DAY_MS),
      because: "policy_delay",
      barredUntil: null,
    });
    expect(noticeDueAt({ process: "subpoena", non_disclosure_until: "2021-05-03" }, now, SETTINGS, 14)).toEqual({
      dueAt: new Date(now.getTime() + 14 * DAY_MS),
      because: "non_disclosure_order",
      barredUntil: "2021-05-03",
    });
  });
});

const PROCESSES = ["subpoena", "search_warrant", "court_order", "emergency", "national_security"] as const;
const JURISDICTIONS = ["US", "US-CA", "GB", "DE", "FR"];
// quietfox and nightowl_07 have addresses on file in the demo's store; nobody is called the third.
const TARGETS = [
  [{ type: "username", value: "quietfox" }],
  [{ type: "username", value: "nightowl_07" }],
  [{ type: "username", value: "nobody_by_that_name" }],
];

const intakeArb = fc.record({
  kind: fc.constant("intake" as const),
  jurisdiction: fc.constantFrom(...JURISDICTIONS),
  process: fc.constantFrom(...PROCESSES),
  targets: fc.constantFrom(...TARGETS),
  receivedAt: fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2022, 0, 1) - 1 }),
  // A non-disclosure order's last day, from before the first answer to well after it, or none.
  nonDisclosureDay: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
});
type IntakeOp = typeof intakeArb extends fc.Arbitrary<infer T> ? T : never;

const opArb = fc.oneof(
  { weight: 4, arbitrary: intakeArb },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("answer" as const),
      pick: fc.nat(),
      as: fc.constantFrom<NoticeKind>("delivered", "rejected"),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 200 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("extend" as const),
      pick: fc.nat(),
      days: fc.integer({ min: 1, max: 120 }),
    }),
  },
);

const START = Date.UTC(2022, 0, 1);
const dayText = (days: number) => new Date(START + days * DAY_MS).toISOString().slice(0, 10);

describe.each(DRIVERS)("user notices on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let clock = START;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Police", "US");
    await seedMessengerStore(database.db, {
      accounts: 5,
      seed: 7,
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2020-12-31T00:00:00Z"),
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const intake = async (op: Omit<IntakeOp, "kind" | "nonDisclosureDay"> & { nonDisclosureDay?: number }) => {
    const { id } = await intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({
        jurisdiction: op.jurisdiction,
        process: op.process,
        receivedAt: new Date(op.receivedAt).toISOString(),
        targets: op.targets,
        categories: ["subscriber.name", "subscriber.email"],
        ...(op.process === "emergency" ? { emergency: { justification: "threat to life" } } : {}),
        ...(op.nonDisclosureDay === undefined ? {} : { nonDisclosure: { until: dayText(op.nonDisclosureDay) } }),
      }),
      actor: "intake@test",
      now: new Date(clock),
      agencyVerified: true,
      emergencyVerified: true,
    });
    return id;
  };
  const answer = (requestId: string, kind: NoticeKind) =>
    database.db
      .transaction()
      .execute((tx) =>
        scheduleUserNotices(tx, { requestId, kind, actor: "counsel@test", now: new Date(clock), settings: SETTINGS }),
      );
  const runJobs = () => runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => new Date(clock) });
  const record = (requestId: string) =>
    database.db.selectFrom("user_notice").selectAll().where("request_id", "=", requestId).executeTakeFirst();
  const mailTo = (recipient: string) =>
    database.db
      .selectFrom("mail_outbox")
      .select("body")
      .where("recipient", "=", recipient)
      .where("purpose", "=", "notice.user_delivered")
      .execute();

  it("bars a national-security request's notice until its gag ends, and sends it the day after", async () => {
    clock = Date.UTC(2021, 4, 1);
    const base = { jurisdiction: "US", process: "national_security" as const, receivedAt: Date.UTC(2021, 0, 5) };
    const openEnded = await intake({ ...base, targets: [{ type: "username", value: "quietfox" }] });
    const before = (await mailTo("quietfox@example.net")).length;
    expect(await answer(openEnded, "delivered")).toEqual({ sent: 0, deferredUntil: null, barred: true });
    expect(await record(openEnded)).toMatchObject({ status: "barred", barred_until: null, kind: "delivered" });
    // No job waits on an open-ended gag, and years later nothing has gone out.
    const jobs = await database.db
      .selectFrom("job")
      .select("id")
      .where("kind", "=", "notice.send")
      .where(sql<boolean>`payload->>'requestId' = ${openEnded}`)
      .execute();
    expect(jobs).toEqual([]);
    const scheduled = await database.db
      .selectFrom("audit_event")
      .select("payload")
      .where("object_id", "=", openEnded)
      .where("action", "=", "notice.scheduled")
      .executeTakeFirstOrThrow();
    expect(scheduled.payload).toMatchObject({ dueAt: null, because: "national_security", nonDisclosureUntil: null });
    clock = Date.UTC(2024, 0, 1);
    await runJobs();
    expect(await mailTo("quietfox@example.net")).toHaveLength(before);
    expect(await record(openEnded)).toMatchObject({ status: "barred" });

    // With an end recorded, the notice waits for it and then goes out, counted as delayed.
    clock = Date.UTC(2024, 0, 2);
    const dated = await intake({
      ...base,
      receivedAt: Date.UTC(2023, 11, 1),
      targets: [{ type: "username", value: "nightowl_07" }],
      nonDisclosureDay: 800,
    });
    const until = dayText(800);
    expect((await answer(dated, "delivered")).deferredUntil?.toISOString()).toBe(
      new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS).toISOString(),
    );
    expect(await record(dated)).toMatchObject({ status: "barred", barred_until: until });
    clock = Date.parse(`${until}T23:00:00Z`);
    await runJobs();
    expect(await record(dated)).toMatchObject({ status: "barred" });
    clock = Date.parse(`${until}T00:00:00Z`) + DAY_MS;
    await runJobs();
    expect(await record(dated)).toMatchObject({ status: "delayed", accounts_notified: 1, barred_until: null });
    expect(await mailTo("nightowl07@example.co.uk")).toHaveLength(1);
    expect(await readNoticeReport(database.db, "2021")).toEqual(await recomputeNoticeReport(database.db, "2021"));
    expect(await readNoticeReport(database.db, "2021")).toEqual([
      {
        period: "2021",
        jurisdiction: "US",
        process: "national_security",
        given: 0,
        delayed: 0,
        barred: 1,
        pending: 0,
        notPossible: 0,
        byAuthority: 0,
      },
    ]);
  });

  it("keeps the notice figures equal to a recomputation from the audit trail, for every kind of period", async () => {
    const unanswered: string[] = [];
    const answered: string[] = [];
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 30 }), async (ops) => {
        for (const op of ops) {
          switch (op.kind) {
            case "intake":
              unanswered.push(await intake(op));
              break;
            case "answer": {
              const id = unanswered.splice(op.pick % Math.max(1, unanswered.length), 1)[0];
              if (!id) break;
              await answer(id, op.as);
              answered.push(id);
              break;
            }
            case "wait":
              clock += op.days * DAY_MS;
              await runJobs();
              break;
            case "extend": {
              // A court extends an order in force: the waiting notice must wait again when its job runs.
              const id = answered[op.pick % Math.max(1, answered.length)];
              if (!id) break;
              await database.db
                .updateTable("request")
                .set({ non_disclosure_until: new Date(clock + op.days * DAY_MS).toISOString().slice(0, 10) })
                .where("id", "=", id)
                .where("non_disclosure_until", ">=", new Date(clock).toISOString().slice(0, 10))
                .execute();
              break;
            }
          }
          for (const kind of PERIOD_KINDS) {
            const rollup = await readNoticeReport(database.db, { kind });
            expect(rollup).toEqual(await recomputeNoticeReport(database.db, { kind }));
            for (const row of rollup)
              for (const key of ["given", "delayed", "barred", "pending", "notPossible"] as const)
                if (row[key] > 0) seen.add(key);
          }
          for (const period of op.kind === "intake"
            ? PERIOD_KINDS.map((k) => periodOf(new Date(op.receivedAt), k))
            : [])
            expect(await readNoticeReport(database.db, period)).toEqual(
              await recomputeNoticeReport(database.db, period),
            );
        }
      }),
      { numRuns: 6 },
    );
    // The histories reached every figure at some step.
    expect(seen).toEqual(new Set(["given", "delayed", "barred", "pending", "notPossible"]));
  }, 300_000);
});
