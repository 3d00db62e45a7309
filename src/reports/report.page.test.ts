import { describe, expect, it } from "vitest";
import { renderChart } from "./report.chart.js";
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
    row("2020H2", "US", "subpoena", 3000, 2400),
    row("2020H2", "US", "national_security", 7, 7),
    row("2020H2", "CH", "subpoena", 5, 5),
    row("2020H2", "CL", "subpoena", 2, 1),
  ],
  pauses: [{ jurisdiction: "HK", status: "paused" as const, since: "2020-07-06" }],
};

function tableRows(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr><th scope=row>([^<]*)<\/th><td>([A-Z]{2})<\/td><td>([^<]*)<\/td>/g)].map(
    (m) => `${m[1]}/${m[3]}`,
  );
}

describe("the public report page", () => {
  it("is one accessible document with a chart per jurisdiction, the period's table and its CSV link", () => {
    const html = renderReportPage(DATA, { publisher: "ExampleChat" });
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain("<title>Government requests for user data, 2020H2 — ExampleChat</title>");
    expect(html).not.toMatch(/<script|<link|src="http/i);
    expect(html).toContain('<a class="download" href="/reports/2020H2.csv" download>');
    expect(html).toContain('<a href="/reports/2020H2" aria-current="page">2020H2</a>');
    expect(html).toContain(
      '<caption id="figures-caption">Requests received in 2020H2, by jurisdiction and legal process</caption>',
    );
    const charts = [...html.matchAll(/<svg role="img" aria-label="([^"]*)"/g)].map((m) => m[1]);
    // Busiest first; the national-security requests are not in the chart's exact totals.
    expect(charts.slice(0, 2)).toEqual([
      "United States (US), requests received and share answered by half-year. 2020H1: 20 requests, 75% answered; 2020H2: 3,000 requests, 80% answered.",
      "Switzerland (CH), requests received and share answered by half-year. 2020H1: no requests; 2020H2: 5 requests, 100% answered.",
    ]);
    expect(html).toContain(
      "<tr><th scope=row>Hong Kong</th><td>HK</td><td>court order</td><td>4</td><td>8</td><td>0</td><td>0.0</td><td>4</td><td>0</td><td>0</td></tr>",
    );
    expect(html).toContain(
      "<tr><th scope=row>United States</th><td>US</td><td>national security</td><td>0-249</td><td>0-249</td><td>0-249</td><td></td><td>0-249</td><td>0-249</td><td>0-249</td></tr>",
    );
  });

  it("opens with the period's headline figures and ends the table with a total row, national security left out", () => {
    const html = renderReportPage(DATA);
    const headline = /<dl class="headline">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? "";
    // Before the charts and the table.
    expect(html.indexOf('<dl class="headline">')).toBeLessThan(html.indexOf('<div class="charts">'));
    const figures = [...headline.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => `${m[1]}: ${m[2]}`);
    // 4 + 3,000 + 5 + 2 exact requests; 2,406 produced of 3,011.
    expect(figures).toEqual([
      "Requests received: 3,011",
      "Some data produced: 79.9%",
      "Rejected: 0",
      "Held (jurisdiction paused): 4",
      "Jurisdictions: 4",
    ]);
    expect(html).toContain("Held: requests from Hong Kong, received while answers to it were paused.");
    expect(html).toContain(
      "<tfoot><tr><th scope=row colspan=3>Total (national security excluded)</th><td>3,011</td><td>6,022</td><td>2,406</td><td>79.9</td><td>4</td><td>0</td><td>601</td></tr></tfoot>",
    );
  });

  it("sorts the table by the country's name, not its code, with thousands separated", () => {
    const html = renderReportPage(DATA);
    // By code, Switzerland (CH) would sit between Canada and Chile (CL).
    expect(tableRows(html)).toEqual([
      "Chile/subpoena",
      "Hong Kong/court order",
      "Switzerland/subpoena",
      "United States/national security",
      "United States/subpoena",
    ]);
    expect(html).toContain("<td>3,000</td><td>6,000</td><td>2,400</td><td>80.0</td>");
  });

  it("marks a pause on its jurisdiction's chart and draws held requests as held, not as 0 % answered", () => {
    const html = renderReportPage(DATA);
    const hk = /<figure><figcaption>Hong Kong \(HK\)([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? "";
    expect(hk).toContain("<span>Paused since 6 Jul 2020: requests are held, nothing is produced</span>");
    expect(hk).toContain(
      'aria-label="Hong Kong (HK), requests received and share answered by half-year. Paused since 6 Jul 2020. 2020H1: 10 requests, 90% answered; 2020H2: 4 requests, all held."',
    );
    expect(hk).toMatch(/<line class="pause" x1="([\d.]+)"/);
    expect(hk).toContain(">paused 6 Jul 2020</text>");
    expect(hk).toContain('<rect class="held"');
    // The line has one point (2020H1): 2020H2 has nothing decided, so it is not drawn at 0 %.
    expect([...hk.matchAll(/<circle /g)].length).toBe(1);
    // The pause falls six days into 2020H2's slot: left of its bar's centre.
    const at = Number(/<line class="pause" x1="([\d.]+)"/.exec(hk)?.[1]);
    const bar = Number(/<rect class="held" x="([\d.]+)" [^>]*width="([\d.]+)"/.exec(hk)?.[1]);
    expect(at).toBeLessThan(bar);
    // Defined once for the page, not once per chart.
    expect([...html.matchAll(/<pattern id="held"/g)].length).toBe(1);
    // Only the status and the day are published.
    expect(html).not.toContain("National Security Law");
  });

  it("shows a stretch of half-years without requests as a gap, on the axis and among the periods", () => {
    const data = {
      ...DATA,
      period: "2026H2" as const,
      periods: ["2020H1" as const, "2020H2" as const, "2026H2" as const],
      rows: [...DATA.rows, row("2026H2", "US", "subpoena", 2, 1)],
    };
    const html = renderReportPage(data);
    expect(html).toContain(
      '<li><a href="/reports/2020H2">2020H2</a></li><li class="gap">2021H1–2026H1: no requests</li><li><a href="/reports/2026H2" aria-current="page">2026H2</a></li>',
    );
    const us = /aria-label="(United States \(US\)[^"]*)"/.exec(html)?.[1] ?? "";
    expect(us).toContain("2020H2: 3,000 requests, 80% answered; 2021H1–2026H1: no requests; 2026H2: 2 requests");
    // 14 half-years from 2020H1 to 2026H2, a tick each; the line is broken across the gap (a new M).
    const svg = /<svg role="img" aria-label="United States[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    const ticks = [...svg.matchAll(/<line x1="([\d.]+)" x2="\1" y1="128" y2="131"/g)];
    expect(ticks.length).toBe(14);
    const path = /<path d="([^"]*)"/.exec(svg)?.[1] ?? "";
    expect(path.match(/M/g)?.length).toBe(2);
  });

  it("draws the same chart for the same figures, and escapes its label", () => {
    const points = [{ period: "2020H1" as const, requests: 3, produced: 1, held: 0, selected: true }];
    expect(renderChart(points, `a "label" <b>`)).toBe(renderChart(points, `a "label" <b>`));
    expect(renderChart(points, `a "label" <b>`)).toContain('aria-label="a &quot;label&quot; &lt;b&gt;"');
  });

  it("escapes every text it is given", () => {
    const html = renderReportPage(DATA, {
      publisher: `<img src=x onerror="alert(1)">`,
      csvHref: () => `/r?a=1&b="2"`,
    });
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain('href="/r?a=1&amp;b=&quot;2&quot;"');
    expect(escapeHtml(`<>&"'`)).toBe("&lt;&gt;&amp;&quot;&#39;");
  });

  it("says so when the period has no requests", () => {
    const html = renderReportPage({ ...DATA, period: "2021H1" });
    expect(html).toContain("<p>No requests were received in 2021H1.</p>");
    expect(html).toContain('aria-current="page">2021H1</a>');
    expect(html).not.toContain('<dl class="headline">');
  });

  it("tables the period's user notices, national security in bands and out of the total", () => {
    const notices = (jurisdiction: string, process: string, given: number, delayed: number, barred: number) => ({
      period: "2020H2",
      jurisdiction,
      process,
      given,
      delayed,
      barred,
      pending: 0,
      notPossible: 1,
      byAuthority: process === "court_order" ? 2 : 0,
    });
    const html = renderReportPage({
      ...DATA,
      notices: [
        notices("US", "subpoena", 1200, 30, 4),
        notices("US", "national_security", 3, 0, 5),
        notices("HK", "court_order", 0, 0, 0),
      ],
    });
    expect(html).toContain(
      "<tr><th scope=row>United States</th><td>US</td><td>national security</td><td>0-249</td><td>0-249</td><td>0-249</td><td>0-249</td><td>0-249</td><td>0-249</td></tr>",
    );
    expect(html).toContain(
      "<tr><th scope=row>United States</th><td>US</td><td>subpoena</td><td>1,200</td><td>30</td><td>4</td><td>0</td><td>1</td><td>0</td></tr>",
    );
    expect(html).toContain(
      "<tr><th scope=row colspan=3>Total (national security excluded)</th><td>1,200</td><td>30</td><td>4</td><td>0</td><td>2</td><td>2</td></tr>",
    );
    expect(renderReportPage({ ...DATA, notices: [] })).toContain(
      "No request received in 2020H2 has been answered yet: no notice was due.",
    );
  });
});
