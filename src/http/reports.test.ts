import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { type Desk, openDesk } from "../../test/support/http.js";
import { seedDemoHistory } from "../demo/history.js";
import { CSV_COLUMNS } from "../reports/report.format.js";

/** The published report over HTTP: JSON under the API, the public page and its CSV, all without sign-in. */
describe.each(DRIVERS)("the transparency report over HTTP on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
    await seedDemoHistory(desk.db, { scale: 0.02 });
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("serves the JSON, the page and the CSV with the same figures, to anyone", async () => {
    const json = await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H2" });
    expect(json.statusCode, json.body.slice(0, 300)).toBe(200);
    const document = json.json() as { period: string; rows: Array<Record<string, string | number>> };
    const hk = document.rows.filter((r) => r.jurisdiction === "HK");
    expect(hk.length).toBeGreaterThan(0);
    expect(hk.every((r) => r.requests_with_data_produced === 0 && Number(r.requests_held) > 0)).toBe(true);

    const csv = await desk.app.inject({ method: "GET", url: "/reports/2020H2.csv" });
    expect(csv.headers["content-type"]).toContain("text/csv");
    const [header, ...lines] = csv.body.trim().split(/\r?\n/);
    expect(header).toBe(CSV_COLUMNS.join(","));
    expect(lines).toHaveLength(document.rows.length);

    const page = await desk.app.inject({ method: "GET", url: "/reports/2020H2" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("<svg");
    expect(page.body).toContain('href="/reports/2020H2.csv"');
    expect(page.body).not.toContain("<script");
  });

  it("refuses a malformed period with a problem naming it", async () => {
    const bad = await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H3" });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { errors: Array<{ path: string }> }).errors[0]?.path).toBe("params.period");
    expect((await desk.app.inject({ method: "GET", url: "/reports/latest" })).statusCode).toBe(400);
  });
});
