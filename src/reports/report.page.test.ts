import { describe, expect, it } from "vitest";
import type { ReportRow } from "./report.definitions.js";
import { escapeHtml, renderReportPage } from "./report.page.js";

function row(period: string, jurisdiction: string, process: string, requests: number, produced: number, held = 0) {
  return {
    period,
    jurisdiction,
    process,
    requests,
    accountsSpecified: requests * 2,
    produced,
    held,
    rejected: 0,
    noData: requests - produced - held,
  } as ReportRow;
}

const DATA = {
  period: "2020H2" as const,
  periods: ["2020H1" as const, "2020H2" as const],
  rows: [
    row("2020H1", "HK", "court_order", 10, 9),
    row("2020H2", "HK", "court_order", 4, 0, 4),
    row("2020H1", "US", "subpoena", 20, 15),
    row("2020H2", "US", "subpoena", 30, 24),
    row("2020H2", "US", "national_security", 7, 7),
  ],
};

describe("the public report page", () => {
  it("is one accessible document with a chart per jurisdiction, the period's table and its CSV link", async () => {
    const html = await renderReportPage(DATA, { publisher: "ExampleChat" });
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain("<title>Government requests for user data, 2020H2 — ExampleChat</title>");
    expect(html).not.toMatch(/<script|<link|src="http/i);
    expect(html).toContain('<a href="/reports/2020H2.csv" download>');
    expect(html).toContain('<a href="/reports/2020H2" aria-current="page">2020H2</a>');
    expect(html).toContain("<caption>Requests received in 2020H2, by jurisdiction and legal process</caption>");
    const charts = [...html.matchAll(/<svg role="img" aria-label="([^"]*)"/g)].map((m) => m[1]);
    // Busiest first; the national-security requests are not in the chart's exact totals.
    expect(charts).toEqual([
      "United States (US), requests received and share answered by half-year. 2020H1: 20 requests, 75% answered; 2020H2: 30 requests, 80% answered.",
      "Hong Kong (HK), requests received and share answered by half-year. 2020H1: 10 requests, 90% answered; 2020H2: 4 requests, 0% answered.",
    ]);
    expect(html).toContain(
      "<tr><th scope=row>Hong Kong</th><td>HK</td><td>court order</td><td>4</td><td>8</td><td>0</td><td>0.0</td><td>4</td><td>0</td><td>0</td></tr>",
    );
    expect(html).toContain(
      "<tr><th scope=row>United States</th><td>US</td><td>national security</td><td>0-249</td><td>0-249</td><td>0-249</td><td></td><td>0-249</td><td>0-249</td><td>0-249</td></tr>",
    );
  });

  it("escapes every text it is given", async () => {
    const html = await renderReportPage(DATA, {
      publisher: `<img src=x onerror="alert(1)">`,
      csvHref: () => `/r?a=1&b="2"`,
    });
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain('href="/r?a=1&amp;b=&quot;2&quot;"');
    expect(escapeHtml(`<>&"'`)).toBe("&lt;&gt;&amp;&quot;&#39;");
  });

  it("says so when the period has no requests", async () => {
    const html = await renderReportPage({ ...DATA, period: "2021H1" });
    expect(html).toContain("<p>No requests were received in 2021H1.</p>");
    expect(html).toContain('aria-current="page">2021H1</a>');
  });
});
