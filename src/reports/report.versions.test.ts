import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import type { Principal } from "../authz/authz.js";
import { ROLES } from "../domain/vocabulary.js";
import { intakeRequest } from "../requests/requests.service.js";
import { DomainError } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { toCsv } from "./report.format.js";
import { readReport } from "./report.repository.js";
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

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Police", "US");
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
});
