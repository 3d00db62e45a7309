import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ROOT } from "../../test/support/fixtures.js";
import { importLedger } from "../ledger/ledger.service.js";
import { refreshPlannerStatistics } from "./statistics.js";

/**
 * PGlite runs no autovacuum: after a bulk load its planner believes the tables it filled were never
 * analyzed (`reltuples` -1) until refreshPlannerStatistics runs, which `custodian import`, the demo's
 * history and the server's daily work on an embedded store call.
 */
describe("the planner's statistics on an embedded store", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase("pglite");
  });
  afterAll(async () => {
    await database?.close();
  });

  const reltuples = async (table: string) => {
    const { rows } = await sql<{
      n: number;
    }>`select reltuples::float8 as n from pg_class where oid = ${table}::regclass`.execute(database.db);
    return Number(rows[0]?.n);
  };

  it("are missing after an import until refreshed, then count the imported rows", async () => {
    const ledger = readFileSync(`${ROOT}examples/ledger.csv`, "utf8");
    const { imported } = await importLedger(database.db, ledger, {
      source: "examples/ledger.csv",
      actor: "cli:test",
      now: new Date("2026-12-01T00:00:00Z"),
    });
    expect(imported).toBeGreaterThan(0);
    expect(await reltuples("request")).toBe(-1);
    await refreshPlannerStatistics(database.db);
    expect(await reltuples("request")).toBe(imported);
    expect(await reltuples("decision")).toBeGreaterThanOrEqual(imported);
  });
});
