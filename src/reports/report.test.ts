import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import {
  activateExamplePolicy,
  REVIEWED,
  reportRow,
  requestDocument,
  seedAgency,
  TEST_OPERATOR,
} from "../../test/support/fixtures.js";
import { STATUSES, type Status } from "../domain/vocabulary.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { recordReview } from "../requests/reviews.service.js";
import { PERIOD_KINDS, periodOf } from "./period.js";
import { type ReportRow, reportClass } from "./report.definitions.js";
import { toCsv } from "./report.format.js";
import { readReport, recomputeReport, reportPeriods } from "./report.repository.js";

const OUTCOMES = [null, "hold", "preserve", "comply_full", "comply_partial", "no_data", "reject"];
const CLOSED_FROM = [null, "delivered", "rejected", "preserved"];

/** A row with zeros where the test does not say otherwise. */

describe.each(DRIVERS)("transparency report on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Police", "US");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "account_id", value: `acct-${i}` }));
  const intake = async (receivedAt: string, overrides: Record<string, unknown>, accounts = 1) => {
    const result = await intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({ receivedAt, targets: targets(accounts), ...overrides }),
      actor: "intake@desk",
      now: new Date(receivedAt),
      agencyVerified: true,
      emergencyVerified: true,
    });
    return result.id;
  };
  const move = async (id: string, ...steps: Status[]) => {
    for (const to of steps) {
      await database.db
        .transaction()
        .execute((tx) => transition(tx, id, { to, actor: "desk", reason: `to ${to}`, now: new Date() }));
    }
  };
  const deliver = (id: string) => move(id, "under_review", "approved", "fulfilling", "delivered");

  it("the SQL report_class and report_period are the TypeScript definitions, on every combination", async () => {
    const combos = STATUSES.flatMap((status) =>
      CLOSED_FROM.flatMap((closedFrom) => OUTCOMES.map((outcome) => ({ status, closedFrom, outcome }))),
    );
    const values = combos.map((c) => sql`(${c.status}::text, ${c.closedFrom}::text, ${c.outcome}::text)`);
    const { rows } = await sql<{ class: string | null }>`
      select report_class(s, c, o) as class from (values ${sql.join(values)}) v(s, c, o)`.execute(database.db);
    expect(rows.map((r) => r.class)).toEqual(combos.map((c) => reportClass(c.status, c.closedFrom, c.outcome)));

    const moments = [
      "2020-06-30T23:59:59.999Z",
      "2020-07-01T00:00:00Z",
      "2019-12-31T23:59:59Z",
      "2021-01-01T00:00:00Z",
      // Midnight in Hong Kong on 1 July is still June in UTC: periods are UTC half-years.
      "2020-07-01T00:30:00+08:00",
    ];
    const periods = await sql<{ period: string }>`
      select report_period(m::timestamptz) as period from unnest(${moments}::text[]) with ordinality u(m, i) order by i`
      .execute(database.db)
      .then((r) => r.rows.map((p) => p.period));
    expect(periods).toEqual(moments.map((m) => periodOf(new Date(m))));
    expect(periods).toEqual(["2020H1", "2020H2", "2019H2", "2021H1", "2020H1"]);

    // Every kind, at every quarter's edges: report_quarter, then report_period_of, as periodOf has them.
    const edges = [...moments];
    for (let month = 0; month < 12; month += 3) {
      edges.push(
        new Date(Date.UTC(2023, month, 1)).toISOString(),
        new Date(Date.UTC(2023, month, 1) - 1).toISOString(),
      );
    }
    for (const kind of PERIOD_KINDS) {
      const { rows } = await sql<{ period: string }>`
        select report_period_of(report_quarter(m::timestamptz), ${kind}) as period
          from unnest(${edges}::text[]) with ordinality u(m, i) order by i`.execute(database.db);
      expect(rows.map((r) => r.period)).toEqual(edges.map((m) => periodOf(new Date(m), kind)));
    }
  });

  it("counts hand-built requests to known figures, from the rollup and from scratch alike", async () => {
    // 2020H1, US, court_order: one delivered and closed (2 accounts), one no_data moved on to rejected
    // and closed (still no_data), one approved then withdrawn (received only).
    const delivered = await intake("2020-03-01T10:00:00Z", { process: "court_order" }, 2);
    await deliver(delivered);
    await move(delivered, "closed");
    const nothing = await intake("2020-03-02T10:00:00Z", {
      process: "court_order",
      categories: ["subscriber.billing"],
    });
    await move(nothing, "rejected", "closed");
    const withdrawn = await intake("2020-03-03T10:00:00Z", { process: "court_order" }, 3);
    await move(withdrawn, "under_review", "approved", "withdrawn");
    // US-CA reports under US: a subpoena delivered (produced), a subpoena for records decided `reject`
    // and still open (rejected), a search warrant still pending (received only).
    const ca = await intake("2020-04-01T10:00:00Z", {
      jurisdiction: "US-CA",
      process: "subpoena",
      categories: ["subscriber.name"],
    });
    await deliver(ca);
    await intake("2020-04-02T10:00:00Z", { process: "subpoena", categories: ["records.ip_logs"] }, 4);
    await intake("2020-06-30T23:59:59Z", { process: "search_warrant" });
    // GB: a court order counsel rejected and closed; a verified emergency answered, on its own row.
    const gb = await intake("2020-05-01T10:00:00Z", { jurisdiction: "GB", process: "court_order" });
    await move(gb, "under_review");
    await recordReview(database.db, gb, { ...REVIEWED, reviewer: "counsel", verdict: "reject", now: new Date() });
    await move(gb, "closed");
    const emergency = await intake("2020-05-02T10:00:00Z", {
      jurisdiction: "GB",
      process: "emergency",
      categories: ["subscriber.phone"],
      emergency: { justification: "kidnapping in progress", verified: true },
    });
    await deliver(emergency);
    // HK is paused by the example policy: held on intake, counted as received, nothing produced.
    await intake("2020-05-03T10:00:00Z", { jurisdiction: "HK", process: "court_order" }, 5);
    // A preservation request: counted, on its own row, neither produced nor refused.
    await intake("2020-05-04T10:00:00Z", { process: "preservation", categories: ["records.ip_logs"] });
    // National security: three requests the policy cannot answer; published only in bands.
    for (const day of [5, 6, 7]) {
      await intake(`2020-05-0${day}T10:00:00Z`, { process: "national_security", categories: ["subscriber.name"] });
    }
    // FR: one request received before a pause and caught by it, one received (in Paris, FR-75) while the
    // pause was on; the pause is lifted in July, the second is delivered then and the first rejected.
    // Both count once, in 2020H1 when they were received; the delivered one as produced, neither as held.
    const caught = await intake("2020-06-20T10:00:00Z", { jurisdiction: "FR", process: "court_order" }, 2);
    await pauseJurisdiction(database.db, {
      jurisdiction: "FR",
      reason: "assessment",
      by: TEST_OPERATOR,
      now: new Date("2020-06-25T00:00:00Z"),
    });
    const whilePaused = await intake("2020-06-26T10:00:00Z", { jurisdiction: "FR-75", process: "court_order" });
    expect(await readReport(database.db, "2020H1")).toContainEqual(
      reportRow("2020H1", "FR", "court_order", { requests: 2, accountsSpecified: 3, held: 2 }),
    );
    await resumeJurisdiction(database.db, {
      jurisdiction: "FR",
      reason: "assessment complete",
      by: TEST_OPERATOR,
      now: new Date("2020-07-10T00:00:00Z"),
    });
    await deliver(whilePaused);
    await move(caught, "rejected");
    // 2020H2 begins at midnight UTC on 1 July.
    await intake("2020-07-01T00:00:00Z", { process: "court_order" }, 7);

    const h1 = [
      reportRow("2020H1", "FR", "court_order", { requests: 2, accountsSpecified: 3, produced: 1, rejected: 1 }),
      reportRow("2020H1", "GB", "court_order", { requests: 1, accountsSpecified: 1, rejected: 1 }),
      reportRow("2020H1", "GB", "emergency", { requests: 1, accountsSpecified: 1, produced: 1 }),
      reportRow("2020H1", "HK", "court_order", { requests: 1, accountsSpecified: 5, held: 1 }),
      reportRow("2020H1", "US", "court_order", { requests: 3, accountsSpecified: 6, produced: 1, noData: 1 }),
      reportRow("2020H1", "US", "national_security", { requests: 3, accountsSpecified: 3, rejected: 3 }),
      reportRow("2020H1", "US", "preservation", { requests: 1, accountsSpecified: 1 }),
      reportRow("2020H1", "US", "search_warrant", { requests: 1, accountsSpecified: 1 }),
      reportRow("2020H1", "US", "subpoena", { requests: 2, accountsSpecified: 5, produced: 1, rejected: 1 }),
    ];
    const h2 = [reportRow("2020H2", "US", "court_order", { requests: 1, accountsSpecified: 7 })];
    expect(await readReport(database.db, "2020H1")).toEqual(h1);
    expect(await recomputeReport(database.db, "2020H1")).toEqual(h1);
    expect(await readReport(database.db, "2020H2")).toEqual(h2);
    expect(await recomputeReport(database.db)).toEqual([...h1, ...h2]);
    expect(await reportPeriods(database.db)).toEqual(["2020H1", "2020H2"]);

    // The same requests as quarters and as the year: the quarters split 2020H1 where it was received
    // (2020Q1: the three US court orders of March; 2020Q2: the rest), the year is both halves.
    expect(await reportPeriods(database.db, "quarter")).toEqual(["2020Q1", "2020Q2", "2020Q3"]);
    expect(await reportPeriods(database.db, "year")).toEqual(["2020"]);
    const q1 = [
      reportRow("2020Q1", "US", "court_order", { requests: 3, accountsSpecified: 6, produced: 1, noData: 1 }),
    ];
    expect(await readReport(database.db, "2020Q1")).toEqual(q1);
    expect(await readReport(database.db, "2020Q2")).toEqual(
      h1
        .filter((r) => !(r.jurisdiction === "US" && r.process === "court_order"))
        .map((r) => ({ ...r, period: "2020Q2" })),
    );
    expect(await readReport(database.db, "2020Q3")).toEqual(h2.map((r) => ({ ...r, period: "2020Q3" })));
    expect(await readReport(database.db, "2020Q4")).toEqual([]);
    const year: ReportRow[] = [];
    for (const r of [...h1, ...h2]) {
      const same = year.find((o) => o.jurisdiction === r.jurisdiction && o.process === r.process);
      if (!same) year.push({ ...r, period: "2020" });
      else
        for (const key of ["requests", "accountsSpecified", "produced", "held", "rejected", "noData"] as const)
          same[key] += r[key];
    }
    expect(await readReport(database.db, "2020")).toEqual(year);
    expect(await recomputeReport(database.db, "2020")).toEqual(year);
    expect(year.find((r) => r.jurisdiction === "US" && r.process === "court_order")?.requests).toBe(4);

    expect(toCsv(await readReport(database.db, "2020H1"))).toBe(
      [
        "period,jurisdiction,process,requests,accounts_specified,requests_with_data_produced,percent_with_data_produced,requests_held,requests_rejected,requests_no_data",
        "2020H1,FR,court_order,2,3,1,50.0,0,1,0",
        "2020H1,GB,court_order,1,1,0,0.0,0,1,0",
        "2020H1,GB,emergency,1,1,1,100.0,0,0,0",
        "2020H1,HK,court_order,1,5,0,0.0,1,0,0",
        "2020H1,US,court_order,3,6,1,33.3,0,0,1",
        "2020H1,US,national_security,0-249,0-249,0-249,,0-249,0-249,0-249",
        "2020H1,US,preservation,1,1,0,0.0,0,0,0",
        "2020H1,US,search_warrant,1,1,0,0.0,0,0,0",
        "2020H1,US,subpoena,2,5,1,50.0,0,1,0",
        "",
      ].join("\r\n"),
    );
  });
});
