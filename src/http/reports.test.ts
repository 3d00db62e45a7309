import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../../test/support/db.js";
import { type Desk, openDesk } from "../../test/support/http.js";
import { seedDemoHistory } from "../demo/history.js";
import { NOTICE_CSV_COLUMNS } from "../reports/notice.format.js";
import { CSV_COLUMNS } from "../reports/report.format.js";
import { APPLE_COLUMNS, OTI_COLUMNS } from "../reports/report.layouts.js";

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

  it("serves a year, a half-year and a quarter, the year the sum of its quarters", async () => {
    const get = async (period: string) => {
      const response = await desk.app.inject({ method: "GET", url: `/api/v1/reports/${period}` });
      expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
      const document = response.json() as { period: string; rows: Array<Record<string, string | number>> };
      expect(document.period).toBe(period);
      expect(document.rows.every((r) => r.period === period)).toBe(true);
      return document.rows;
    };
    // Exact figures only: national-security rows are bands, which do not add.
    const total = (rows: Array<Record<string, string | number>>) =>
      rows.filter((r) => r.process !== "national_security").reduce((n, r) => n + Number(r.requests), 0);
    const year = total(await get("2020"));
    const halves = total(await get("2020H1")) + total(await get("2020H2"));
    const quarters = ["2020Q1", "2020Q2", "2020Q3", "2020Q4"];
    let inQuarters = 0;
    for (const q of quarters) inQuarters += total(await get(q));
    expect(year).toBeGreaterThan(0);
    expect(halves).toBe(year);
    expect(inQuarters).toBe(year);

    for (const period of ["2020", "2020Q3"]) {
      const csv = await desk.app.inject({ method: "GET", url: `/reports/${period}.csv` });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers["content-disposition"]).toContain(`transparency-${period}.csv`);
      const page = await desk.app.inject({ method: "GET", url: `/reports/${period}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`aria-current="page">${period}</a>`);
      expect(page.body).toContain(`href="/reports/${period}.csv"`);
    }
  });

  it("publishes a numbered version as counsel only, then serves it, its CSV and the list to anyone", async () => {
    const post = (headers: Record<string, string>, payload: object) =>
      desk.app.inject({ method: "POST", url: "/api/v1/reports/2020H2/versions", headers, payload });
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const refused = await post(reviewer.headers, {});
    expect(refused.statusCode).toBe(403);
    expect(
      (await desk.app.inject({ method: "POST", url: "/api/v1/reports/2020H2/versions", payload: {} })).statusCode,
    ).toBe(401);
    const counsel = await desk.signIn(desk.accounts.counsel);
    const published = await post(counsel.headers, {});
    expect(published.statusCode, published.body).toBe(201);
    const summary = published.json() as { version: number; sha256: string; note: string | null };
    expect(summary).toMatchObject({ version: 1, note: null });
    // Nothing changed since: a second version is refused, as a conflict.
    expect((await post(counsel.headers, { note: "again" })).statusCode).toBe(409);

    const list = await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H2/versions" });
    expect(list.statusCode).toBe(200);
    expect((list.json() as { versions: Array<{ version: number }> }).versions.map((v) => v.version)).toEqual([1]);
    const one = await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H2/versions/1" });
    expect(one.statusCode).toBe(200);
    const live = (await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H2" })).json() as {
      rows: unknown[];
    };
    expect((one.json() as { rows: unknown[] }).rows).toEqual(live.rows);
    expect((await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H2/versions/2" })).statusCode).toBe(404);

    const csv = await desk.app.inject({ method: "GET", url: "/reports/2020H2/versions/1.csv" });
    expect(csv.statusCode).toBe(200);
    expect(createHash("sha256").update(csv.rawPayload).digest("hex")).toBe(summary.sha256);
    const page = await desk.app.inject({ method: "GET", url: "/reports/2020H2" });
    expect(page.body).toContain('<a href="/reports/2020H2/versions/1">Version 1</a>');
    expect(page.body).toContain(summary.sha256);

    // Every file of the version, and its page, from what it froze: today they read as the live ones.
    const get = (url: string) => desk.app.inject({ method: "GET", url });
    const versionPage = await get("/reports/2020H2/versions/1");
    expect(versionPage.statusCode).toBe(200);
    expect(versionPage.body).toContain("This is version 1 of 2020H2's report as published on");
    expect(versionPage.body).toContain('<a href="/reports/2020H2/versions/1" aria-current="page">Version 1</a>');
    expect(versionPage.body).toContain('href="/reports/2020H2/versions/1.notices.csv"');
    expect(versionPage.body).toContain('<h2 id="notices">Telling the people concerned</h2>');
    expect((await get("/reports/2020H2/versions/1.notices.csv")).body).toBe(
      (await get("/reports/2020H2.notices.csv")).body,
    );
    expect((await get("/reports/2020H2/versions/1.apple.csv")).body).toBe(
      (await get("/reports/2020H2.apple.csv")).body,
    );
    // The OTI template's notification columns come from the version's frozen notice figures.
    const oti = (await get("/reports/2020H2/versions/1.oti.csv")).body;
    expect(oti).toBe((await get("/reports/2020H2.oti.csv")).body);
    expect(oti).toMatch(/\r\n2020H2,[^\r]*,\d+,\d+,\d+\r\n/);
    const versionJson = (await get("/reports/2020H2/versions/1.json")).json() as { notices: unknown; rows: unknown };
    expect(versionJson.notices).toEqual((one.json() as { notices: unknown }).notices);
    expect(versionJson.notices).toEqual((await get("/api/v1/reports/2020H2")).json().notices);
    const noDsa = await get("/reports/2020H2/versions/1.dsa.csv");
    expect(noDsa.statusCode).toBe(404);
    expect(noDsa.body).toContain("calendar years only");
    expect((await get("/reports/2020H2/versions/1.pdf")).statusCode).toBe(400);
    // A year's version freezes its DSA report.
    expect(
      (
        await desk.app.inject({
          method: "POST",
          url: "/api/v1/reports/2020/versions",
          headers: counsel.headers,
          payload: {},
        })
      ).statusCode,
    ).toBe(201);
    const dsa = await get("/reports/2020/versions/1.dsa.csv");
    expect(dsa.statusCode).toBe(200);
    expect(dsa.headers["content-disposition"]).toContain("transparency-2020-v1.dsa.csv");
    expect(dsa.body).toBe((await get("/reports/2020.dsa.csv")).body);
    const unpublished = await desk.app.inject({ method: "GET", url: "/reports/2020H1" });
    expect(unpublished.body).toContain("2020H1 has not been published as a numbered version");
  });

  it("answers 404 for a period that has not begun, its page and its files, and 200 for the period under way", async () => {
    const next = String(desk.clock.now().getUTCFullYear() + 1);
    for (const url of [
      `/reports/${next}`,
      `/reports/${next}H1`,
      `/reports/${next}Q1.csv`,
      `/reports/${next}.dsa.csv`,
    ]) {
      const answer = await desk.app.inject({ method: "GET", url });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.body).toContain("has not begun");
    }
    const current = String(desk.clock.now().getUTCFullYear());
    expect((await desk.app.inject({ method: "GET", url: `/reports/${current}` })).statusCode).toBe(200);
  });

  it("serves every layout the page lists, under the file name the page links", async () => {
    const page = await desk.app.inject({ method: "GET", url: "/reports/2020H2" });
    for (const file of [
      "2020H2.csv",
      "2020H2.json",
      "2020H2.google.csv",
      "2020H2.apple.csv",
      "2020H2.oti.csv",
      "2020H2.notices.csv",
    ]) {
      expect(page.body).toContain(`href="/reports/${file}"`);
      const response = await desk.app.inject({ method: "GET", url: `/reports/${file}` });
      expect(response.statusCode, file).toBe(200);
    }
    const apple = await desk.app.inject({ method: "GET", url: "/reports/2020H2.apple.csv" });
    expect(apple.body.split("\r\n")[0]).toBe(APPLE_COLUMNS.join(","));
    expect(apple.body).toContain("2020H2,Hong Kong,account,");
    const oti = await desk.app.inject({ method: "GET", url: "/reports/2020H2.oti.csv" });
    expect(oti.body.split("\r\n")[0]).toBe(OTI_COLUMNS.map((c) => (c.includes(",") ? `"${c}"` : c)).join(","));
    const notices = await desk.app.inject({ method: "GET", url: "/reports/2020H2.notices.csv" });
    expect(notices.body.split("\r\n")[0]).toBe(NOTICE_CSV_COLUMNS.join(","));
    const json = (await desk.app.inject({ method: "GET", url: "/reports/2020H2.json" })).json() as {
      notices: { columns: string[]; rows: unknown[] };
    };
    expect(json.notices.columns).toEqual([...NOTICE_CSV_COLUMNS]);
    expect(json.notices.rows).toHaveLength(notices.body.trim().split("\r\n").length - 1);
    expect(page.body).toContain('<h2 id="notices">Telling the people concerned</h2>');
    expect(page.body).toContain('<a href="/reports/demands">Demands published after their gag lifted</a>');
  });

  it("refuses a malformed period with a problem naming it", async () => {
    const bad = await desk.app.inject({ method: "GET", url: "/api/v1/reports/2020H3" });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { errors: Array<{ path: string }> }).errors[0]?.path).toBe("params.period");
    expect((await desk.app.inject({ method: "GET", url: "/reports/latest" })).statusCode).toBe(400);
    for (const bad of ["2020Q5", "2020q3", "1969", "2020H1Q1"]) {
      expect((await desk.app.inject({ method: "GET", url: `/api/v1/reports/${bad}` })).statusCode, bad).toBe(400);
      expect((await desk.app.inject({ method: "GET", url: `/reports/${bad}` })).statusCode, bad).toBe(400);
    }
  });
});
