import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { ROOT, reportRow } from "../../test/support/fixtures.js";
import { importLedger } from "../ledger/ledger.service.js";
import { APPLE_COUNTRIES } from "./apple-countries.js";
import type { NoticeRow } from "./notice.repository.js";
import type { ReportRow } from "./report.definitions.js";
import { APPLE_COLUMNS, type AppleRequestType, OTI_COLUMNS, toAppleCsv, toOtiCsv } from "./report.layouts.js";
import { readReport } from "./report.repository.js";

const row = (jurisdiction: string, process: string, figures: Partial<ReportRow>) =>
  reportRow("2020H2", jurisdiction, process, figures);

const records = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[];

describe("Apple's and the OTI template's layouts", () => {
  const rows = [
    row("DE", "court_order", { requests: 10, accountsSpecified: 12, produced: 7, rejected: 2, noData: 1 }),
    row("DE", "subpoena", { requests: 5, accountsSpecified: 5, produced: 5 }),
    row("DE", "emergency", { requests: 2, accountsSpecified: 2, produced: 1, noData: 1 }),
    row("HK", "court_order", { requests: 6, accountsSpecified: 9, held: 6 }),
    row("US", "national_security", { requests: 300, accountsSpecified: 420, produced: 260, rejected: 40 }),
    row("US", "preservation", { requests: 3, accountsSpecified: 4 }),
  ];

  it("Apple: one row per country and request type, processes summed, Apple's names, bands for national security", () => {
    const out = toAppleCsv(rows);
    expect(out.split("\r\n")[0]).toBe(APPLE_COLUMNS.join(","));
    expect(out).toBe(
      [
        APPLE_COLUMNS.join(","),
        "2020H2,Germany,account,15,17,12,80.0,2,1,,,",
        "2020H2,Hong Kong,account,6,9,0,0.0,0,0,,,",
        "2020H2,United States of America,account_preservation,3,4,0,0.0,0,0,,,",
        "2020H2,Germany,emergency,2,2,1,50.0,0,1,,,",
        "2020H2,United States of America,national_security,250-499,250-499,250-499,,0-249,0-249,,,",
        "",
      ].join("\r\n"),
    );
  });

  it("OTI: the Toolkit template's request types, outcomes with their shares, and notifications", () => {
    const notice = (jurisdiction: string, process: string, figures: Partial<NoticeRow>): NoticeRow => ({
      period: "2020H2",
      jurisdiction,
      process,
      given: 0,
      delayed: 0,
      barred: 0,
      pending: 0,
      notPossible: 0,
      byAuthority: 0,
      ...figures,
    });
    const notices = [
      notice("DE", "court_order", { given: 5, delayed: 1, barred: 2, notPossible: 1, pending: 1 }),
      notice("US", "national_security", { barred: 300 }),
    ];
    const out = records(toOtiCsv(rows, notices));
    expect(Object.keys(out[0] ?? {})).toEqual([...OTI_COLUMNS]);
    expect(out.find((r) => r.Country === "Germany" && r["Request type"] === "Other court orders")).toEqual({
      "Reporting period": "2020H2",
      Country: "Germany",
      "Request type": "Other court orders",
      Received: "10",
      "Selectors specified": "12",
      "Accounts responsive": "",
      Rejected: "2",
      "No data": "1",
      "Content disclosed": "",
      "Non-content disclosed": "",
      "Content or non-content disclosed": "7",
      "Held (jurisdiction paused)": "0",
      "Rejected, % of total": "20.0",
      "No data, % of total": "10.0",
      "Content or non-content disclosed, % of total": "70.0",
      "Sealed requests": "3",
      "Non-sealed requests, notice was provided": "5",
      "Non-sealed requests, notice was not provided": "2",
    });
    // Held by a pause: no outcome of the template's, its own column; no notice owed yet.
    const hk = out.find((r) => r.Country === "Hong Kong");
    expect(hk).toMatchObject({ Received: "6", "Held (jurisdiction paused)": "6", "Sealed requests": "0" });
    expect(out.find((r) => r["Request type"] === "Subpoenas")?.Received).toBe("5");
    const ns = out.find((r) => r["Request type"] === "National security requests (in bands)");
    expect(ns).toMatchObject({ Received: "250-499", "Rejected, % of total": "", "Sealed requests": "250-499" });
    // Without notice figures (a version published before they were frozen) the notification cells are empty.
    expect(records(toOtiCsv(rows))[0]?.["Sealed requests"]).toBe("");
  });
});

/**
 * Apple's published 2020H2 table, replayed: one ledger row per request Apple counted (device requests as
 * subpoenas, account requests as court orders, as the demo does; emergencies and preservation as
 * themselves), imported, and the Apple layout of the report compared with what Apple published, cell by
 * cell, wherever Apple's figures determine the request-level facts.
 */
describe.each(DRIVERS)("Apple's 2020H2 figures replayed through the Apple layout on %s", (driver) => {
  const APPLE = records(readFileSync(`${ROOT}data/apple-government-requests-2019-2021.csv`, "utf8")).filter(
    (r) => r.period === "2020H2",
  );
  const REPLAY: Record<string, AppleRequestType> = {
    subpoena: "device",
    court_order: "account",
    emergency: "emergency",
    preservation: "account_preservation",
  };
  const PROCESS: Record<string, string> = {
    device: "subpoena",
    account: "court_order",
    emergency: "emergency",
    account_preservation: "preservation",
  };
  let database: TestDatabase;
  /** Per Apple row: how many requests the ledger gives each outcome, and whether they are Apple's own counts. */
  const plan = new Map<string, { provided: number; rejected: number; noData: number; exact: boolean }>();

  beforeAll(async () => {
    database = await freshDatabase(driver);
    const lines = ["reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome"];
    for (const a of APPLE) {
      const n = Number(a.requests_received);
      const code = APPLE_COUNTRIES[a.country as string] as string;
      const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
      const provided = num(a.requests_data_provided) ?? Math.round((n * (num(a.pct_data_provided) ?? 0)) / 100);
      // "Challenged in part" can overlap with data provided: the ledger has one outcome per request.
      const rejected = Math.min(num(a.requests_challenged_rejected) ?? 0, n - provided);
      const published = num(a.requests_no_data);
      const rest = n - provided - rejected;
      const exact =
        rejected === (num(a.requests_challenged_rejected) ?? 0) && (published === undefined || published === rest);
      plan.set(`${code} ${a.request_type}`, { provided, rejected, noData: rest, exact });
      const items = num(a.items_specified) ?? 0;
      for (let i = 0; i < n; i++) {
        const outcome =
          i < provided
            ? "produced"
            : i < provided + rejected
              ? "rejected"
              : a.request_type === "account_preservation"
                ? "preserved"
                : "no_data";
        const accounts = Math.floor(items / n) + (i < items % n ? 1 : 0);
        const at = new Date(Date.UTC(2020, 6, 1) + (i % 100_000) * 60_000).toISOString();
        lines.push(
          `A-${code}-${a.request_type}-${i},${at},${code},Apple replay,${PROCESS[a.request_type as string]},${accounts},subscriber.name,${outcome}`,
        );
      }
    }
    await importLedger(database.db, `${lines.join("\n")}\n`, {
      source: "apple-2020H2.csv",
      actor: "cli:test",
      now: new Date(),
    });
  }, 600_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("comes back number for number where Apple's figures allow", async () => {
    const ours = records(toAppleCsv(await readReport(database.db, "2020H2"), REPLAY));
    expect(ours).toHaveLength(APPLE.length);
    let cells = 0;
    for (const a of APPLE) {
      const code = APPLE_COUNTRIES[a.country as string] as string;
      const mine = ours.find((r) => r.country === a.country && r.request_type === a.request_type);
      const what = `${a.country} ${a.request_type}`;
      expect(mine, what).toBeDefined();
      if (!mine) continue;
      const same = (column: (typeof APPLE_COLUMNS)[number]) => {
        expect(mine[column], `${what} ${column}`).toBe(a[column]);
        cells += 1;
      };
      same("period");
      same("requests_received");
      if (a.items_specified !== "") same("items_specified");
      if (a.requests_data_provided !== "") same("requests_data_provided");
      // Apple publishes whole percents written with one decimal ("58.0" for 31 of 53); ours is the share to
      // one decimal ("58.5"), so the two are within half a point of each other, no more.
      if (a.pct_data_provided !== "") {
        expect(
          Math.abs(Number(mine.pct_data_provided) - Number(a.pct_data_provided)),
          `${what} pct`,
        ).toBeLessThanOrEqual(0.5);
        cells += 1;
      }
      const planned = plan.get(`${code} ${a.request_type}`);
      if (planned?.exact && a.requests_challenged_rejected !== "") same("requests_challenged_rejected");
      if (planned?.exact && a.requests_no_data !== "") same("requests_no_data");
    }
    // Every published row checked, most of its cells too.
    expect(cells).toBeGreaterThan(APPLE.length * 3);
  });
});
