import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { countryName } from "./country-names.js";
import type { Period } from "./period.js";
import type { ReportRow } from "./report.definitions.js";
import { percentOf, publishRow } from "./report.format.js";

/**
 * The public transparency page: one self-contained HTML document (no script, no external asset) with,
 * per jurisdiction, the requests received and the share answered over every half-year on record, as
 * SVG charts rendered here (vega-lite compiled, vega's headless renderer), and the selected period's
 * figures as a table. Everything shown comes from `ReportPageData`; the function does no I/O, so the
 * HTTP route can cache or stream it as it likes.
 */

export interface ReportPageData {
  /** The period the page is about (highlighted, tabled). */
  period: Period;
  /** Every period that has requests, oldest first. */
  periods: Period[];
  /** The report rows of every period (from the rollup). */
  rows: ReportRow[];
}

export interface ReportPageOptions {
  /** Who publishes (the service's name), shown in the title. */
  publisher?: string;
  /** Where the CSV of a period is served; the route is mounted by the HTTP server. */
  csvHref?: (period: Period) => string;
  /** Where the page of another period is served. */
  pageHref?: (period: Period) => string;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

interface Point {
  period: Period;
  requests: number;
  produced: number;
  share: number | null;
  selected: boolean;
}

/**
 * The time series of one jurisdiction. National-security requests are left out of the charts: they are
 * published only in bands, and an exact total beside the banded row would give their number away.
 */
function seriesOf(rows: readonly ReportRow[], periods: readonly Period[], selected: Period): Point[] {
  return periods.map((period) => {
    const inPeriod = rows.filter((r) => r.period === period && r.process !== "national_security");
    const requests = inPeriod.reduce((n, r) => n + r.requests, 0);
    const produced = inPeriod.reduce((n, r) => n + r.produced, 0);
    return {
      period,
      requests,
      produced,
      share: requests === 0 ? null : produced / requests,
      selected: period === selected,
    };
  });
}

function chartSpec(points: Point[], periods: readonly Period[]): TopLevelSpec {
  const x = { field: "period", type: "ordinal" as const, sort: [...periods], title: null, axis: { labelAngle: 0 } };
  return {
    width: Math.max(220, periods.length * 46),
    height: 120,
    background: "white",
    data: { values: points },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x,
          y: { field: "requests", type: "quantitative", title: "requests", axis: { tickMinStep: 1 } },
          color: { condition: { test: "datum.selected", value: "#1f4e79" }, value: "#a9c3de" },
        },
      },
      {
        transform: [{ filter: "datum.share !== null" }],
        mark: { type: "line", color: "#b03a2e", point: { color: "#b03a2e", filled: true } },
        encoding: {
          x,
          y: {
            field: "share",
            type: "quantitative",
            title: "share answered",
            scale: { domain: [0, 1] },
            axis: { format: "%", orient: "right", titleColor: "#b03a2e" },
          },
        },
      },
    ],
    resolve: { scale: { y: "independent" } },
    config: { view: { stroke: null }, font: "sans-serif" },
  };
}

function describeSeries(name: string, points: readonly Point[]): string {
  const parts = points.map((p) =>
    p.share === null
      ? `${p.period}: no requests`
      : `${p.period}: ${p.requests} requests, ${percentOf(p.produced, p.requests)}% answered`,
  );
  return `${name}, requests received and share answered by half-year. ${parts.join("; ")}.`;
}

async function renderChart(points: Point[], periods: readonly Period[], label: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(points, periods)).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    // One image for assistive technology, described by its label; vega's inner roles are then presentational.
    return svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(label)}" `);
  } finally {
    view.finalize();
  }
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem}
nav a{display:inline-block;padding:.2rem .55rem;border:1px solid #a9c3de;border-radius:.3rem;text-decoration:none;color:#1f4e79}
nav a[aria-current=page]{background:#1f4e79;color:#fff;border-color:#1f4e79}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:1.2rem}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.4rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:right}
th:nth-child(-n+3),td:nth-child(-n+3){text-align:left}
.selected{background:#eef4fa}
`;

export async function renderReportPage(data: ReportPageData, options: ReportPageOptions = {}): Promise<string> {
  const publisher = options.publisher ?? "Custodian";
  const csvHref = options.csvHref ?? ((period: Period) => `/reports/${period}.csv`);
  const pageHref = options.pageHref ?? ((period: Period) => `/reports/${period}`);
  const periods = data.periods.includes(data.period) ? data.periods : [...data.periods, data.period].sort();
  const selectedRows = data.rows.filter((r) => r.period === data.period);

  // Charts for the jurisdictions that sent requests in the selected period, busiest first.
  const totals = new Map<string, number>();
  for (const r of selectedRows) totals.set(r.jurisdiction, (totals.get(r.jurisdiction) ?? 0) + r.requests);
  const jurisdictions = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b),
  );
  const charts: string[] = [];
  for (const code of jurisdictions) {
    const name = `${countryName(code)} (${code})`;
    const points = seriesOf(
      data.rows.filter((r) => r.jurisdiction === code),
      periods,
      data.period,
    );
    if (points.every((p) => p.requests === 0)) continue;
    const svg = await renderChart(points, periods, describeSeries(name, points));
    charts.push(`<figure><figcaption>${escapeHtml(name)}</figcaption>${svg}</figure>`);
  }

  const nav = periods
    .map((p) => {
      const current = p === data.period ? ' aria-current="page"' : "";
      return `<li><a href="${escapeHtml(pageHref(p))}"${current}>${escapeHtml(p)}</a></li>`;
    })
    .join("");

  const header =
    "<tr><th scope=col>Jurisdiction</th><th scope=col>Code</th><th scope=col>Legal process</th>" +
    "<th scope=col>Requests</th><th scope=col>Accounts specified</th><th scope=col>Some data produced</th>" +
    "<th scope=col>% with data produced</th><th scope=col>Held</th><th scope=col>Rejected</th><th scope=col>No data</th></tr>";
  const body = selectedRows
    .map((row) => {
      const p = publishRow(row);
      const cells = [
        p.requests,
        p.accounts_specified,
        p.requests_with_data_produced,
        p.percent_with_data_produced === null ? "" : p.percent_with_data_produced.toFixed(1),
        p.requests_held,
        p.requests_rejected,
        p.requests_no_data,
      ].map((v) => `<td>${escapeHtml(String(v))}</td>`);
      return `<tr><th scope=row>${escapeHtml(countryName(row.jurisdiction))}</th><td>${escapeHtml(row.jurisdiction)}</td><td>${escapeHtml(row.process.replaceAll("_", " "))}</td>${cells.join("")}</tr>`;
    })
    .join("\n");
  const table =
    selectedRows.length === 0
      ? `<p>No requests were received in ${escapeHtml(data.period)}.</p>`
      : `<table><caption>Requests received in ${escapeHtml(data.period)}, by jurisdiction and legal process</caption>
<thead>${header}</thead><tbody>
${body}
</tbody></table>`;

  const title = `Government requests for user data, ${data.period} — ${publisher}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(publisher)} publishes every government request for user data it receives, counted in the half-year it was received.
A request is <em>held</em> while its jurisdiction is paused (received, nothing produced); it counts as <em>data produced</em> once data was approved for disclosure.
National-security requests are published only in bands of 250 and are left out of the charts.</p>
<nav aria-label="Half-years"><ul>${nav}</ul></nav>
<p><a href="${escapeHtml(csvHref(data.period))}" download>Download ${escapeHtml(data.period)} as CSV</a></p>
</header>
<main>
<h2>Requests and share answered, by jurisdiction</h2>
<p>Bars: requests received per half-year (${escapeHtml(data.period)} in dark blue). Line: share of requests for which some data was produced.</p>
<div class="charts">
${charts.join("\n")}
</div>
<h2>${escapeHtml(data.period)} in figures</h2>
${table}
</main>
</body>
</html>
`;
}
