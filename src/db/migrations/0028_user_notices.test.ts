import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../../test/support/fixtures.js";
import { seedMessengerStore } from "../../fulfilment/sources/messenger.seed.js";
import { runDueJobs } from "../../jobs/jobs.js";
import { scheduleUserNotices } from "../../notices/user-notice.service.js";
import { readNoticeReport, recomputeNoticeReport } from "../../reports/notice.repository.js";
import { PERIOD_KINDS } from "../../reports/period.js";
import { intakeRequest } from "../../requests/requests.service.js";
import { jobHandlers } from "../../server/job-handlers.js";
import * as m0028 from "./0028_user_notices.js";
import * as m0031 from "./0031_notice_by_authority.js";

/**
 * 0028 on a store whose notices were decided before it: the records and their rollup are rebuilt from the
 * audit trail, and equal what the notice service wrote as it went (the store is made by today's service,
 * then 0028's tables are dropped and the migration run again over the same trail).
 */
describe.each(DRIVERS)("migration 0028 over notices already decided on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    await seedMessengerStore(database.db, {
      accounts: 5,
      seed: 3,
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2020-12-31T00:00:00Z"),
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("rebuilds the records and the rollup from the trail, as the service wrote them", async () => {
    const agencyId = await seedAgency(database.db, "Police", "US");
    const now = new Date("2021-03-01T00:00:00Z");
    const cases: Record<string, unknown>[] = [
      { process: "subpoena" },
      { process: "search_warrant", nonDisclosure: { until: "2021-02-01" } },
      { process: "court_order", nonDisclosure: { until: "2021-06-01" } },
      { process: "court_order", nonDisclosure: { until: "2021-03-10" } },
      { process: "emergency", emergency: { justification: "threat to life" } },
      { process: "national_security" },
    ];
    for (const [i, overrides] of cases.entries()) {
      const { id } = await intakeRequest(database.db, {
        agencyId,
        originalDocument: requestDocument({
          receivedAt: new Date(Date.UTC(2020, i * 2, 5)).toISOString(),
          jurisdiction: i % 2 ? "US" : "DE",
          targets: [{ type: "username", value: "quietfox" }],
          categories: ["subscriber.name"],
          ...overrides,
        }),
        actor: "intake@test",
        now,
        agencyVerified: true,
        emergencyVerified: true,
      });
      await database.db.transaction().execute((tx) =>
        scheduleUserNotices(tx, {
          requestId: id,
          kind: i % 2 ? "delivered" : "rejected",
          actor: "counsel@test",
          now,
          settings: { emergencyDelayDays: 30 },
        }),
      );
    }
    // The order ending on 10 March lifts; its notice goes out, delayed.
    await runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => new Date("2021-03-12T00:00:00Z") });
    const before = await Promise.all(PERIOD_KINDS.map((kind) => readNoticeReport(database.db, { kind })));
    const statuses = await database.db.selectFrom("user_notice").select("status").orderBy("status").execute();
    expect(statuses.map((s) => s.status)).toEqual(["barred", "barred", "delayed", "given", "given", "pending"]);

    await sql`drop table user_notice, notice_rollup`.execute(database.db);
    await sql`drop function notice_rollup_apply()`.execute(database.db);
    // 0028 again over the same trail, then what later migrations did to its tables (0031's sixth status).
    await database.db.transaction().execute(async (tx) => {
      await m0028.up(tx as unknown as Kysely<unknown>);
      await m0031.up(tx as unknown as Kysely<unknown>);
    });

    for (const [i, kind] of PERIOD_KINDS.entries()) {
      expect(await readNoticeReport(database.db, { kind })).toEqual(before[i]);
      expect(await recomputeNoticeReport(database.db, { kind })).toEqual(before[i]);
    }
    // And the trigger keeps the rollup from there.
    const totals = async () => {
      const rows = await readNoticeReport(database.db, "2020");
      return { given: rows.reduce((n, r) => n + r.given, 0), pending: rows.reduce((n, r) => n + r.pending, 0) };
    };
    expect(await totals()).toEqual({ given: 2, pending: 1 });
    await database.db.updateTable("user_notice").set({ status: "given" }).where("status", "=", "pending").execute();
    expect(await totals()).toEqual({ given: 3, pending: 0 });
  });
});
