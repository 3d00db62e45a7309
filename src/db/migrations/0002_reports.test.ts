import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase, DRIVERS } from "../../../test/support/db.js";
import { readReport, recomputeReport } from "../../reports/report.repository.js";
import { type Database, openDatabase } from "../database.js";
import { migrateToLatest } from "../migrate.js";
import * as m0001 from "./0001_initial.js";

/** 0002 on a database that already holds requests: the new columns and the rollup are filled in from them. */
describe.each(DRIVERS)("migration 0002 over existing requests on %s", (driver) => {
  let database: Database;
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (driver === "pglite") {
      database = await openDatabase({ dataDir: "memory://" });
    } else {
      const created = await createPostgresDatabase();
      database = await openDatabase({ url: created.url });
      drop = created.drop;
    }
    const only0001 = new Migrator({
      db: database.db,
      provider: { getMigrations: async () => ({ "0001_initial": m0001 }) },
    });
    const { error } = await only0001.migrateToLatest();
    if (error) throw error;
  });
  afterAll(async () => {
    await database?.close();
    await drop();
  });

  it("backfills accounts, the decision in force, where closed requests came from, and the rollup", async () => {
    await sql`
      with a as (insert into agency (name, jurisdiction) values ('Police', 'US') returning id),
      r as (
        insert into request (id, agency_id, reference, received_at, jurisdiction, process, categories, agency_verified,
            original_document, original_sha256, status)
        select v.id::uuid, a.id, v.ref, v.at::timestamptz, v.j, 'court_order', '{subscriber.phone}', true, '{}',
               repeat('0', 64), v.status
          from a, (values ('00000000-0000-0000-0000-000000000001', 'R-1', '2020-03-01T00:00:00Z', 'US-CA', 'closed'),
                          ('00000000-0000-0000-0000-000000000002', 'R-2', '2020-04-01T00:00:00Z', 'US', 'closed'),
                          ('00000000-0000-0000-0000-000000000003', 'R-3', '2020-08-01T00:00:00Z', 'US', 'on_hold'))
                  as v(id, ref, at, j, status)
        returning id
      ),
      t as (
        insert into request_target (request_id, position, type, value)
        values ('00000000-0000-0000-0000-000000000001', 0, 'phone', '+15550000001'),
               ('00000000-0000-0000-0000-000000000001', 1, 'phone', '+15550000002'),
               ('00000000-0000-0000-0000-000000000002', 0, 'phone', '+15550000003'),
               ('00000000-0000-0000-0000-000000000003', 0, 'phone', '+15550000004')
      ),
      d as (
        insert into decision (request_id, sequence, policy_name, policy_version, outcome, needs_review, review_reasons,
            items, cause)
        values ('00000000-0000-0000-0000-000000000001', 1, 'P', '1', 'hold', false, '[]', '[]', 'intake'),
               ('00000000-0000-0000-0000-000000000001', 2, 'P', '1', 'comply_full', false, '[]', '[]', 'resume'),
               ('00000000-0000-0000-0000-000000000002', 1, 'P', '1', 'comply_full', false, '[]', '[]', 'intake'),
               ('00000000-0000-0000-0000-000000000003', 1, 'P', '1', 'hold', false, '[]', '[]', 'intake')
      )
      insert into audit_event (actor, action, object_type, object_id, payload)
      values ('desk', 'request.transitioned', 'request', '00000000-0000-0000-0000-000000000001',
              '{"from": "delivered", "to": "closed"}'),
             ('desk', 'request.transitioned', 'request', '00000000-0000-0000-0000-000000000002',
              '{"from": "rejected", "to": "closed"}')`.execute(database.db);

    const report = await migrateToLatest(database.db);
    // Later migrations follow it; what matters here is what 0002 did to the rows 0001 left.
    expect(report.applied[0]).toBe("0002_reports");
    const rows = await database.db
      .selectFrom("request")
      .select(["reference", "accounts_specified", "decision_outcome", "closed_from"])
      .orderBy("reference")
      .execute();
    expect(rows).toEqual([
      { reference: "R-1", accounts_specified: 2, decision_outcome: "comply_full", closed_from: "delivered" },
      { reference: "R-2", accounts_specified: 1, decision_outcome: "comply_full", closed_from: "rejected" },
      { reference: "R-3", accounts_specified: 1, decision_outcome: "hold", closed_from: null },
    ]);
    const figures = await readReport(database.db);
    expect(figures).toEqual([
      {
        period: "2020H1",
        jurisdiction: "US",
        process: "court_order",
        requests: 2,
        accountsSpecified: 3,
        produced: 1,
        held: 0,
        rejected: 1,
        noData: 0,
      },
      {
        period: "2020H2",
        jurisdiction: "US",
        process: "court_order",
        requests: 1,
        accountsSpecified: 1,
        produced: 0,
        held: 1,
        rejected: 0,
        noData: 0,
      },
    ]);
    expect(await recomputeReport(database.db)).toEqual(figures);
  });
});
