import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ROOT } from "../../test/support/fixtures.js";
import { isCountryCode } from "../domain/jurisdictions.js";
import { parseRequestDocument } from "../domain/request.schema.js";
import type { ReportRow } from "../reports/report.definitions.js";
import { renderReportPage } from "../reports/report.page.js";
import { readReport, recomputeReport } from "../reports/report.repository.js";
import { loadReportPageData } from "../reports/report.service.js";
import { APPLE_COUNTRIES, parseAppleFigures } from "./apple.js";
import { appleVolumes, type HistoryVolume, PAUSE_DAY, seedDemoHistory } from "./history.js";

const APPLE = readFileSync(`${ROOT}data/apple-government-requests-2019-2021.csv`, "utf8");

describe("Apple's figures as the demo's volumes", () => {
  it("reads every account and device row and maps every country to an ISO code", () => {
    const rows = parseAppleFigures(APPLE);
    expect(rows).toHaveLength(627);
    expect(Object.values(APPLE_COUNTRIES).every(isCountryCode)).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.requests, 0)).toBe(229_419);
    const hk = rows.filter((r) => r.country === "HK" && r.period === "2019H1");
    expect(hk).toEqual([
      {
        period: "2019H1",
        country: "HK",
        requestType: "device",
        requests: 358,
        accounts: 687,
        provided: 325,
        rejected: 0,
      },
      { period: "2019H1", country: "HK", requestType: "account", requests: 2, accounts: 2, provided: 2, rejected: 0 },
    ]);
  });

  it("keeps Apple's volumes at scale 1 and every country at any scale", () => {
    const full = appleVolumes(1);
    expect(full.reduce((sum, v) => sum + v.requests, 0)).toBe(229_419);
    const de = full.find((v) => v.country === "DE" && v.period === "2020H2" && v.process === "subpoena");
    expect(de).toMatchObject({ requests: 11_474, accounts: 16_819, produced: 8504 });
    const small = appleVolumes(0.01);
    expect(new Set(small.map((v) => v.country))).toEqual(new Set(full.map((v) => v.country)));
    for (const v of small) expect(v.produced + v.rejected + v.noData).toBe(v.requests);
  });
});

describe.each(DRIVERS)("demo history on %s", (driver) => {
  let database: TestDatabase;
  let volumes: HistoryVolume[];
  let report: ReportRow[];
  beforeAll(async () => {
    database = await freshDatabase(driver);
    ({ volumes } = await seedDemoHistory(database.db, { scale: 0.02 }));
    report = await readReport(database.db);
  }, 300_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("reports for every jurisdiction and half-year exactly the requests the generator was given", () => {
    const given = new Map<string, number>();
    const reported = new Map<string, number>();
    for (const v of volumes)
      given.set(`${v.period} ${v.country}`, (given.get(`${v.period} ${v.country}`) ?? 0) + v.requests);
    for (const r of report) {
      const key = `${r.period} ${r.jurisdiction}`;
      reported.set(key, (reported.get(key) ?? 0) + r.requests);
    }
    expect(reported).toEqual(given);
    expect(new Set(volumes.map((v) => v.country)).size).toBeGreaterThanOrEqual(20);
  });

  it("answers Apple's share everywhere and Hong Kong's until the pause, then holds and counts every HK request", () => {
    for (const v of volumes) {
      const row = report.find((r) => r.period === v.period && r.jurisdiction === v.country && r.process === v.process);
      const paused = v.country === "HK" && v.period >= "2020H2";
      expect(row, `${v.period} ${v.country} ${v.process}`).toEqual({
        period: v.period,
        jurisdiction: v.country,
        process: v.process,
        requests: v.requests,
        accountsSpecified: v.accounts,
        produced: paused ? 0 : v.produced,
        held: paused ? v.requests : 0,
        rejected: paused ? 0 : v.rejected,
        noData: paused ? 0 : v.noData,
      });
    }
    const hk = (period: string) => report.filter((r) => r.jurisdiction === "HK" && r.period === period);
    expect(hk("2020H1").reduce((n, r) => n + r.produced, 0)).toBeGreaterThan(0);
    for (const period of ["2020H2", "2021H1", "2021H2"]) {
      expect(hk(period).reduce((n, r) => n + r.requests, 0)).toBeGreaterThan(0);
      expect(hk(period).reduce((n, r) => n + r.produced, 0)).toBe(0);
    }
  });

  it("stores real documents, decisions of the policy in force and an audit entry per request", async () => {
    expect(await recomputeReport(database.db)).toEqual(report);
    const sample = await database.db
      .selectFrom("request")
      .innerJoin("decision", "decision.request_id", "request.id")
      .select(["request.original_document", "request.received_at", "request.jurisdiction", "decision.policy_version"])
      .where("request.jurisdiction", "=", "HK")
      .execute();
    for (const row of sample) {
      const doc = parseRequestDocument(JSON.parse(row.original_document));
      expect(doc.jurisdiction).toBe("HK");
      expect(row.policy_version).toBe(row.received_at < PAUSE_DAY ? "2019-01-01" : "2020-07-06");
    }
    const { n } = await database.db
      .selectFrom("audit_event")
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .where("action", "=", "request.recorded")
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(volumes.reduce((sum, v) => sum + v.requests, 0));
  });

  it("tells the story on the public page: Hong Kong answered until 2020H1, held from the pause on", async () => {
    const html = await renderReportPage(await loadReportPageData(database.db, "2020H2"), { publisher: "ExampleChat" });
    const label = /aria-label="(Hong Kong \(HK\)[^"]*)"/.exec(html)?.[1] ?? "";
    const share = (period: string) =>
      Number(new RegExp(`${period}: \\d+ requests, ([\\d.]+)% answered`).exec(label)?.[1]);
    expect(share("2019H1")).toBeGreaterThan(50);
    // Held, not refused: the chart says so rather than drawing a 0 % line.
    expect(label).toContain("Paused since 6 Jul 2020.");
    expect(label).toMatch(/2020H2: \d+ requests, all held;/);
    expect(label).toMatch(/2021H2: \d+ requests, all held\./);
    expect([...html.matchAll(/<figure>/g)].length).toBeGreaterThanOrEqual(20);
  });
});
