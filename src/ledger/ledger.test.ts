import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ROOT } from "../../test/support/fixtures.js";
import { readReport, recomputeReport } from "../reports/report.repository.js";
import { ValidationError } from "../shared/validation.js";
import { type LedgerRow, readLedger } from "./ledger.schema.js";
import { importLedger } from "./ledger.service.js";

const EXAMPLE = readFileSync(`${ROOT}examples/ledger.csv`, "utf8");
const HEADER = "reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome";

async function readAll(text: string, source: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of readLedger(Readable.from([Buffer.from(text)]), source)) rows.push(row);
  return rows;
}

async function problemsOf(text: string): Promise<string> {
  try {
    await readAll(text, "ledger.csv");
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error("expected the ledger to be refused");
}

describe("ledger parsing", () => {
  it("reads the example ledger", async () => {
    const rows = await readAll(EXAMPLE, "examples/ledger.csv");
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatchObject({
      line: 2,
      reference: "MPS-2019-0001",
      jurisdiction: "GB",
      process: "court_order",
      accounts_specified: 2,
      categories: ["subscriber.email", "records.ip_logs"],
      outcome: "produced",
    });
    expect(rows[7]?.received_at.toISOString()).toBe("2020-06-29T02:00:00.000Z");
  });

  it("names the line and field of every bad row", async () => {
    expect(await problemsOf(`${HEADER}\nA-1,2020-02-30,GB,Met,court_order,1,subscriber.name,produced\n`)).toBe(
      "ledger.csv: line 2: received_at: is not a date that exists",
    );
    expect(
      await problemsOf(
        `${HEADER}\nA-1,2020-02-01,GB,Met,court_order,1,subscriber.name,produced\nA-2,2020-02-01,ZZ,Met,telepathy,-1,content.thoughts,lost\n`,
      ),
    ).toBe(
      'ledger.csv: line 3: jurisdiction: unknown country code "ZZ" (and 4 more: line 3: process: unknown process "telepathy" ' +
        "(one of: subpoena, court_order, search_warrant, emergency, preservation, mlat, national_security, informal); " +
        "line 3: accounts_specified: must be a whole number of accounts (0 to 9999999); " +
        'line 3: categories[0]: unknown category "content.thoughts"; ' +
        'line 3: outcome: unknown outcome "lost" (one of: produced, rejected, no_data, preserved))',
    );
    expect(await problemsOf("reference,received,jurisdiction\nx,y,z\n")).toMatch(
      /^ledger\.csv: line 1: missing column "received_at" \(and 6 more/,
    );
    expect(await problemsOf(`${HEADER}\nA-1,2020-02-01,GB\n`)).toMatch(/^ledger\.csv: line 2: /);
    expect(await problemsOf(`${HEADER}\n`)).toBe("ledger.csv: no requests in the file");
  });
});

describe.each(DRIVERS)("ledger import on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const now = new Date("2024-01-01T00:00:00Z");

  it("imports every row in one audited transaction and the report counts them", async () => {
    const result = await importLedger(database.db, EXAMPLE, { source: "examples/ledger.csv", actor: "cli:test", now });
    expect(result).toMatchObject({ imported: 8, agenciesCreated: 4 });
    const h1 = await readReport(database.db, "2019H1");
    expect(h1).toEqual([
      expect.objectContaining({
        jurisdiction: "GB",
        process: "court_order",
        requests: 1,
        accountsSpecified: 2,
        produced: 1,
      }),
      expect.objectContaining({
        jurisdiction: "GB",
        process: "informal",
        requests: 1,
        accountsSpecified: 3,
        rejected: 1,
      }),
      expect.objectContaining({ jurisdiction: "GB", process: "search_warrant", requests: 1, produced: 1 }),
    ]);
    const h2 = await readReport(database.db, "2019H2");
    expect(h2.map((r) => [r.jurisdiction, r.process, r.requests, r.produced, r.noData])).toEqual([
      ["US", "emergency", 1, 1, 0],
      ["US", "national_security", 1, 1, 0],
      ["US", "preservation", 1, 0, 0],
      ["US", "subpoena", 1, 0, 1],
    ]);
    // 2020-06-29T10:00+08:00 is 2020H1 in UTC.
    expect(await readReport(database.db, "2020H1")).toEqual([
      expect.objectContaining({ jurisdiction: "HK", requests: 1, produced: 1 }),
    ]);
    expect(await recomputeReport(database.db)).toEqual(await readReport(database.db));
    const audit = await database.db
      .selectFrom("audit_event")
      .select(({ fn }) => ["action", fn.countAll<number>().as("n")])
      .groupBy("action")
      .orderBy("action")
      .execute();
    expect(audit.map((a) => [a.action, Number(a.n)])).toEqual([
      ["agency.created", 4],
      ["request.recorded", 8],
    ]);
  });

  it("refuses a reference twice in the file, naming both lines, and imports nothing", async () => {
    const twice = `${HEADER}\nA-1,2020-02-01,GB,Met,court_order,1,subscriber.name,produced\nA-2,2020-02-01,GB,Met,court_order,1,subscriber.name,produced\nA-1,2020-03-01,GB,Met,subpoena,1,subscriber.name,rejected\n`;
    await expect(importLedger(database.db, twice, { source: "twice.csv", actor: "cli:test", now })).rejects.toThrow(
      'twice.csv: line 4: reference: "A-1" of Met is already on line 2',
    );
    expect(await database.db.selectFrom("agency").select("name").where("name", "=", "Met").execute()).toEqual([]);
  });

  it("imports nothing when one row is bad or already stored", async () => {
    const before = await readReport(database.db);
    const again = `${HEADER}\nNEW-1,2021-01-05,DE,BKA,court_order,1,subscriber.name,produced\nMPS-2019-0001,2019-02-11,GB,Metropolitan Police Service,court_order,2,subscriber.email,produced\n`;
    await expect(importLedger(database.db, again, { source: "again.csv", actor: "cli:test", now })).rejects.toThrow(
      'again.csv: line 3: reference: "MPS-2019-0001" of Metropolitan Police Service is already stored',
    );
    expect(await readReport(database.db)).toEqual(before);
    const agencies = await database.db.selectFrom("agency").select("name").where("name", "=", "BKA").execute();
    expect(agencies).toEqual([]);
  });
});
