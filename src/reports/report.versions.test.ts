import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import type { Principal } from "../authz/authz.js";
import { ROLES } from "../domain/vocabulary.js";
import { scheduleUserNotices } from "../notices/user-notice.service.js";
import { transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { DomainError } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { toDsaCsv } from "./dsa.format.js";
import { readDsaReport } from "./dsa.repository.js";
import { toNoticeCsv } from "./notice.format.js";
import { readNoticeReport } from "./notice.repository.js";
import { toCsv } from "./report.format.js";
import { renderReportPage } from "./report.page.js";
import { readReport } from "./report.repository.js";
import { loadVersionPageData, versionCsv, versionDocument } from "./report.service.js";
import { csvDigest, getReportVersion, listReportVersions, publishReport } from "./report.versions.js";

/** Published versions: numbered, immutable, corrected only by a new version with a note; counsel only; audited. */

const principal = (role: Principal["role"]): Principal => ({
  userId: "00000000-0000-0000-0000-000000000000",
  email: `${role}@provider.example`,
  role,
  agencyId: null,
  via: "session",
  scopes: "all",
});
const COUNSEL = principal("counsel");
const NOW = new Date("2026-12-01T12:00:00Z");

describe.each(DRIVERS)("published report versions on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let euAgencyId: string;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Police", "US");
    euAgencyId = await seedAgency(database.db, "Polizei", "DE");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const intake = (receivedAt: string, jurisdiction = "US") =>
    intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({ receivedAt, jurisdiction, process: "court_order" }),
      actor: "intake@desk",
      now: new Date(receivedAt),
      agencyVerified: true,
      emergencyVerified: true,
    });
  const audit = (action: string) =>
    database.db
      .selectFrom("audit_event")
      .select(["actor", "object_id", "payload"])
      .where("action", "=", action)
      .where("object_type", "=", "report")
      .orderBy("id")
      .execute();
  const refusedWith = async (attempt: Promise<unknown>, kind: new (...args: never[]) => Error, text: RegExp) => {
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(text);
  };

  it("publishes version 1 as it stands, frozen with the SHA-256 of its CSV, audited", async () => {
    await intake("2025-08-02T10:00:00Z");
    await intake("2025-11-02T10:00:00Z", "GB");
    const first = await publishReport(database.db, { period: "2025H2", by: COUNSEL, now: NOW });
    expect(first).toMatchObject({ period: "2025H2", version: 1, note: null, changes: [] });
    const rows = await readReport(database.db, "2025H2");
    expect(first.sha256).toBe(csvDigest(rows));
    const stored = await getReportVersion(database.db, "2025H2", 1);
    expect(stored.rows).toEqual(rows);
    expect(toCsv(stored.rows)).toBe(toCsv(rows));
    const [event] = await audit("report.published");
    expect(event).toMatchObject({ actor: "counsel@provider.example", object_id: "2025H2" });
    expect(event?.payload).toMatchObject({ version: 1, sha256: first.sha256, note: null, rows: 2, changes: 0 });
    // Any kind of period is published on its own: the year and its quarter too.
    expect((await publishReport(database.db, { period: "2025Q3", by: COUNSEL, now: NOW })).version).toBe(1);
  });

  it("refuses a version that changes nothing, a correction without a note, and a period not yet over", async () => {
    await refusedWith(
      publishReport(database.db, { period: "2025H2", note: "again", by: COUNSEL, now: NOW }),
      DomainError,
      /are those of version 1; nothing to correct/,
    );
    await intake("2025-12-30T10:00:00Z");
    await refusedWith(
      publishReport(database.db, { period: "2025H2", by: COUNSEL, now: NOW }),
      ValidationError,
      /note: a correction must say what changed and why/,
    );
    await refusedWith(
      publishReport(database.db, { period: "2026H2", by: COUNSEL, now: NOW }),
      DomainError,
      /the half-year 2026H2 has not ended/,
    );
    const refusals = await database.db
      .selectFrom("audit_event")
      .select(["object_id", "payload"])
      .where("action", "=", "security.refused")
      .where("object_type", "=", "report")
      .orderBy("id")
      .execute();
    expect(refusals.map((r) => [r.object_id, (r.payload as { attempted: string }).attempted])).toEqual([
      ["2025H2", "publish"],
      ["2025H2", "publish"],
      ["2026H2", "publish"],
    ]);
    expect(await listReportVersions(database.db, "2025H2")).toHaveLength(1);
  });

  it("publishes a correction as version 2 with its note and the figures it changed; version 1 stays", async () => {
    const note = "A US court order received on 30 December 2025 was entered late; counted now.";
    const second = await publishReport(database.db, { period: "2025H2", note, by: COUNSEL, now: NOW });
    expect(second).toMatchObject({ version: 2, note });
    expect(second.changes).toEqual([
      { jurisdiction: "US", process: "court_order", column: "requests", before: 1, after: 2 },
      { jurisdiction: "US", process: "court_order", column: "accounts_specified", before: 1, after: 2 },
    ]);
    const versions = await listReportVersions(database.db, "2025H2");
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]?.sha256).not.toBe(versions[1]?.sha256);
    const first = await getReportVersion(database.db, "2025H2", 1);
    expect(first.rows.find((r) => r.jurisdiction === "US")?.requests).toBe(1);
    expect((await audit("report.published")).map((e) => (e.payload as { version: number }).version)).toEqual([1, 1, 2]);
  });

  it("lets only counsel publish", async () => {
    for (const role of ROLES.filter((r) => r !== "counsel")) {
      await refusedWith(
        publishReport(database.db, { period: "2025", by: principal(role), now: NOW }),
        DomainError,
        new RegExp(`the ${role} role may not report publish`),
      );
    }
    expect(await listReportVersions(database.db, "2025")).toEqual([]);
  });

  it("never changes or removes a version, whoever connects", async () => {
    for (const statement of [
      sql`update report_version set note = 'rewritten' where period = '2025H2'`,
      sql`delete from report_version where period = '2025H2'`,
      sql`truncate report_version`,
    ]) {
      await expect(statement.execute(database.db)).rejects.toThrow(/a published report version is never changed/);
    }
    expect((await getReportVersion(database.db, "2025H2", 2)).version).toBe(2);
    await expect(getReportVersion(database.db, "2025H2", 3)).rejects.toThrow(
      /version 3 of the report of 2025H2 not found/,
    );
  });

  // A rejected request's notice is decided in the rejecting transaction (nobody found: not possible).
  const reject = (id: string, at: string) =>
    database.db.transaction().execute(async (tx) => {
      await transition(tx, id, { to: "rejected", actor: "review@desk", reason: "test", now: new Date(at) });
      await scheduleUserNotices(tx, {
        requestId: id,
        kind: "rejected",
        actor: "review@desk",
        now: new Date(at),
        settings: { emergencyDelayDays: 0 },
      });
    });
  const euOrder = (receivedAt: string, illegalContentCategory?: string) =>
    intakeRequest(database.db, {
      agencyId: euAgencyId,
      originalDocument: requestDocument({
        receivedAt,
        jurisdiction: "DE",
        process: "court_order",
        ...(illegalContentCategory ? { illegalContentCategory } : {}),
      }),
      actor: "intake@desk",
      now: new Date(receivedAt),
      agencyVerified: true,
      confirmsReceipt: true,
    });

  it("freezes a year's user-notice and DSA figures with its version; the ledger moving later changes neither", async () => {
    const us = await intake("2024-03-02T10:00:00Z");
    await reject(us.id, "2024-03-05T10:00:00Z");
    const de = await euOrder("2024-05-02T10:00:00Z", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD");
    const notices = await readNoticeReport(database.db, "2024");
    expect(notices.map((n) => [n.jurisdiction, n.notPossible])).toEqual([["US", 1]]);
    const dsaCsv = toDsaCsv("2024", "Example", await readDsaReport(database.db, "2024"));

    const first = await publishReport(database.db, { period: "2024", by: COUNSEL, now: NOW });
    expect(first.includes).toEqual({ notices: true, dsa: true });
    const [event] = (await audit("report.published")).filter((e) => e.object_id === "2024");
    expect(event?.payload).toMatchObject({ version: 1, noticeRows: 1, noticeChanges: 0, dsaOrders: 1, dsaChanges: 0 });

    // The ledger moves: the German order is rejected (its notice decided) and a French-less second order arrives.
    await reject(de.id, "2024-06-01T10:00:00Z");
    await euOrder("2024-11-02T10:00:00Z");
    expect(await readNoticeReport(database.db, "2024")).not.toEqual(notices);

    const frozen = await getReportVersion(database.db, "2024", 1);
    expect(frozen.notices).toEqual(notices);
    expect(versionCsv(frozen, "notices-csv")).toBe(toNoticeCsv(notices));
    // The service name is frozen too: the policy in force is the example's, whatever it is called later.
    expect(frozen.dsa?.service).toBeTruthy();
    expect(versionCsv(frozen, "dsa-csv").split("\r\n").slice(1)).toEqual(
      dsaCsv
        .replaceAll("Example", frozen.dsa?.service ?? "")
        .split("\r\n")
        .slice(1),
    );
    expect(versionDocument(frozen).notices?.rows).toHaveLength(1);
    const page = renderReportPage(await loadVersionPageData(database.db, "2024", 1));
    expect(page).toContain("This is version 1 of 2024's report as published on");
    expect(page).toContain('<a href="/reports/2024/versions/1.notices.csv">');
    expect(page).toContain('<a href="/reports/2024/versions/1.dsa.csv">');
    // The notice table of version 1: the US request only, not the German one rejected since.
    expect(page).toContain("<td>US</td><td>court order</td>");
    expect(page).not.toContain("<td>DE</td><td>court order</td><td>0</td>");

    const note = "The German order of May was rejected after publication, and one of November was entered late.";
    const second = await publishReport(database.db, { period: "2024", note, by: COUNSEL, now: NOW });
    expect(second.changes).toEqual([
      { jurisdiction: "DE", process: "court_order", column: "requests", before: 1, after: 2 },
      { jurisdiction: "DE", process: "court_order", column: "accounts_specified", before: 1, after: 2 },
      { jurisdiction: "DE", process: "court_order", column: "requests_rejected", before: 0, after: 1 },
    ]);
    expect(second.noticeChanges).toEqual(
      ["notices_given", "notices_delayed_by_non_disclosure", "notices_barred", "notices_pending_emergency_delay"]
        .map((column) => ({ jurisdiction: "DE", process: "court_order", column, before: null, after: 0 }))
        .concat([
          { jurisdiction: "DE", process: "court_order", column: "notices_not_possible", before: null, after: 1 },
          {
            jurisdiction: "DE",
            process: "court_order",
            column: "notices_left_to_issuing_authority",
            before: null,
            after: 0,
          },
        ]),
    );
    const orders = "Number of orders to provide information";
    const dsaOrders = second.dsaChanges.filter((c) => c.column === orders);
    expect(dsaOrders).toEqual([
      { scope: "DE", category: "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER", column: orders, before: null, after: 1 },
      { scope: "DE", category: "TOTAL", column: orders, before: 1, after: 2 },
      { scope: "TOTAL", category: "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER", column: orders, before: 0, after: 1 },
      { scope: "TOTAL", category: "TOTAL", column: orders, before: 1, after: 2 },
    ]);
    const listed = await listReportVersions(database.db, "2024");
    expect(listed[1]?.dsaChanges).toEqual(second.dsaChanges);
    const correctionPage = renderReportPage(await loadVersionPageData(database.db, "2024", 2));
    expect(correctionPage).toContain("DSA DE, all categories, Number of orders to provide information: 1 → 2");
    expect(correctionPage).toContain("DE court order notices not possible: — → 1");
    // Version 1 still reads as it was published.
    expect((await getReportVersion(database.db, "2024", 1)).notices).toEqual(notices);
  });

  it("freezes the notices of a half-year and no DSA figures; a version from before 0032 has no notice file", async () => {
    const half = await publishReport(database.db, { period: "2024H1", by: COUNSEL, now: NOW });
    expect(half.includes).toEqual({ notices: true, dsa: false });
    const version = await getReportVersion(database.db, "2024H1", 1);
    expect(version.dsa).toBeNull();
    expect(() => versionCsv(version, "dsa-csv")).toThrow(/before DSA figures were frozen/);

    // A version as migration 0021 stored it, before notice and DSA figures were frozen with one.
    const rows = await readReport(database.db, "2024Q1");
    await database.db
      .insertInto("report_version")
      .values({
        period: "2024Q1",
        version: 1,
        published_at: NOW,
        published_by: "counsel@provider.example",
        note: null,
        rows: JSON.stringify(rows),
        changes: "[]",
        sha256: csvDigest(rows),
        notices: null,
        dsa: null,
        notice_changes: "[]",
        dsa_changes: "[]",
      })
      .execute();
    const old = await getReportVersion(database.db, "2024Q1", 1);
    expect(old.includes).toEqual({ notices: false, dsa: false });
    expect(() => versionCsv(old, "notices-csv")).toThrow(
      /version 1 of 2024Q1 was published before user-notice figures were frozen/,
    );
    const page = renderReportPage(await loadVersionPageData(database.db, "2024Q1", 1));
    expect(page).toContain("Version 1 was published before user-notice figures were frozen with a version");
    expect(page).not.toContain("1.notices.csv");
    // Its correction lists every notice figure as new (nothing was published of them before).
    await refusedWith(
      publishReport(database.db, { period: "2024Q1", by: COUNSEL, now: NOW }),
      ValidationError,
      /note: a correction must say/,
    );
    const second = await publishReport(database.db, {
      period: "2024Q1",
      note: "Publishes the user-notice figures.",
      by: COUNSEL,
      now: NOW,
    });
    expect(second.changes).toEqual([]);
    expect(second.noticeChanges.map((c) => [c.jurisdiction, c.column, c.before, c.after])).toContainEqual([
      "US",
      "notices_not_possible",
      null,
      1,
    ]);
  });
});
