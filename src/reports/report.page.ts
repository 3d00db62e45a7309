import { countryName } from "./country-names.js";
import { escapeHtml } from "./html.js";
import { noticesSection } from "./notice.page.js";
import type { NoticeRow } from "./notice.repository.js";
import { type Period, periodKind, periodsBetween } from "./period.js";
import { type ChartPause, type ChartPoint, dayOf, HELD_PATTERN, renderChart } from "./report.chart.js";
import type { ReportRow } from "./report.definitions.js";
import { percentOf, publishRow } from "./report.format.js";
import { layoutsFor } from "./report.layouts.js";
import type { ReportVersionSummary } from "./report.versions.js";

export { escapeHtml };

/**
 * The public transparency page: one self-contained HTML document (no script, no external asset). It
 * opens with the selected half-year's headline figures, then per jurisdiction the requests received, the
 * part held and the share answered over every period of its kind on record (half-years for a half-year, quarters, years) (SVG charts written by report.chart.ts,
 * on a continuous time axis, a pause marked where it began), and the period's figures as a table sorted
 * by country name with a total row. Everything shown comes from `ReportPageData`; the function does no
 * I/O, and costs a few milliseconds for the demo's 58 jurisdictions, so the route renders it per request.
 */

export interface ReportPageData {
  /** The period the page is about (highlighted, tabled). */
  period: Period;
  /** Every period that has requests, oldest first. */
  periods: Period[];
  /** The report rows of every period (from the rollup). */
  rows: ReportRow[];
  /** The period's user-notice figures (notice.repository.ts), tabled after the requests. */
  notices?: NoticeRow[];
  /** Jurisdictions paused or refused by the policy in force, marked on their charts. */
  pauses?: ReportPause[];
  /** The period's published versions, oldest first (report.versions.ts); listed under the download. */
  versions?: ReportVersionSummary[];
  /**
   * Set on the page of one published version (`/reports/2025H2/versions/1`): everything shown is what it
   * froze (`rows` of its period only, `notices` null when it froze none), and there is no chart over time.
   */
  version?: ReportVersionSummary;
}

export interface ReportPageOptions {
  /** Who publishes (the service's name), shown in the title. */
  publisher?: string;
  /** Where the CSV of a period is served; the route is mounted by the HTTP server. */
  csvHref?: (period: Period) => string;
  /** Where the page of another period is served. */
  pageHref?: (period: Period) => string;
  /** Where a layout's file (`2025H2.apple.csv`) is served. */
  layoutHref?: (file: string) => string;
  /** Where the page of demands published after their gag lifted is served (publication.page.ts). */
  demandsHref?: string;
  /** Where a published version's page is served. */
  versionHref?: (period: Period, version: number) => string;
}

/** A jurisdiction not answered as usual on the day the page is made, as the policy in force says. */
export interface ReportPause extends ChartPause {
  /** The country (ISO 3166-1 alpha-2). */
  jurisdiction: string;
}

const thousands = new Intl.NumberFormat("en-US");
// One collator for the page: String#localeCompare with a locale builds one per call.
const byName = new Intl.Collator("en");

/** A figure as the page shows it: 1,499 (the CSV keeps 1499), a band as it is. */
function shown(value: number | string): string {
  return typeof value === "number" ? thousands.format(value) : value;
}

/**
 * The time series of one jurisdiction. National-security requests are left out of the charts: they are
 * published only in bands, and an exact total beside the banded row would give their number away.
 */
function seriesOf(rows: readonly ReportRow[], periods: readonly Period[], selected: Period): ChartPoint[] {
  const byPeriod = new Map<string, ChartPoint>();
  for (const period of periods)
    byPeriod.set(period, { period, requests: 0, produced: 0, held: 0, selected: period === selected });
  for (const r of rows) {
    const point = byPeriod.get(r.period);
    if (!point || r.process === "national_security") continue;
    point.requests += r.requests;
    point.produced += r.produced;
    point.held += r.held;
  }
  return [...byPeriod.values()];
}

/** What one period of the page's kind is called: "half-year", "quarter", "year". */
function periodNoun(period: Period): string {
  const kind = periodKind(period);
  return kind === "half" ? "half-year" : kind;
}

/** Every layout the period's figures are published in (report.layouts.ts), each linked. */
function layoutsList(period: Period, href: (file: string) => string, version?: ReportVersionSummary): string {
  // A version published before migration 0032 froze no notice or DSA figures: those files do not exist.
  const layouts = layoutsFor(period).filter(
    (l) =>
      !version ||
      ((l.id !== "notices-csv" || version.includes.notices) && (l.id !== "dsa-csv" || version.includes.dsa)),
  );
  const items = layouts.map(
    (l) =>
      `<li><a href="${escapeHtml(href(l.file(period)))}">${escapeHtml(l.title)}</a> <small>${escapeHtml(l.description)}</small></li>`,
  );
  const whose = version ? `Version ${version.version}'s figures are` : `${escapeHtml(period)}'s figures are published`;
  return `<p id="layouts">${whose} in ${layouts.length} layouts:</p>
<ul aria-labelledby="layouts">${items.join("")}</ul>`;
}

/** The published figures a correction changed, each "where: before → after", in the tables' order. */
export function describeChanges(v: ReportVersionSummary): string {
  const words = (s: string) => s.replaceAll("_", " ");
  const cell = (x: string | number | null) => (x === null || x === "" ? "—" : String(x));
  const category = (c: string) =>
    c === "TOTAL" ? "all categories" : words(c.replace(/^STATEMENT_CATEGORY_/, "").toLowerCase());
  return [
    ...[...v.changes, ...v.noticeChanges].map(
      (c) => `${c.jurisdiction} ${words(c.process)} ${words(c.column)}: ${cell(c.before)} → ${cell(c.after)}`,
    ),
    ...v.dsaChanges.map(
      (c) =>
        `DSA ${c.scope === "TOTAL" ? "all Member States" : c.scope}, ${category(c.category)}, ${c.column}: ${cell(c.before)} → ${cell(c.after)}`,
    ),
  ].join("; ");
}

/**
 * The published versions of the period: each with its page, the SHA-256 of its CSV, and for a correction
 * its note and the published figures it changed. Without one, the page says its figures are the ledger's as
 * of now; on a version's own page, that they are the version's.
 */
function versionsSection(data: ReportPageData, href: (period: Period, version: number) => string): string {
  const versions = data.versions ?? [];
  if (versions.length === 0) {
    return `<p>${escapeHtml(data.period)} has not been published as a numbered version: the figures below are the ledger's as of now.</p>`;
  }
  const items = versions.map((v) => {
    const changed = describeChanges(v);
    const correction = v.version === 1 ? "" : ` (a correction${changed ? `: ${escapeHtml(changed)}` : ""})`;
    const current = v.version === data.version?.version ? ' aria-current="page"' : "";
    return (
      `<li><a href="${escapeHtml(href(data.period, v.version))}"${current}>Version ${v.version}</a>, published ${dayOf(v.publishedAt.slice(0, 10))}${correction}` +
      `${v.note ? `. ${escapeHtml(v.note)}` : ""} <small>SHA-256 <code>${v.sha256}</code></small></li>`
    );
  });
  const whose = data.version
    ? `The figures below are those of version ${data.version.version}, as published on ${dayOf(data.version.publishedAt.slice(0, 10))}; <a href="/reports/${escapeHtml(data.period)}">the ledger's as of now</a> may differ.`
    : "The figures below are the ledger's as of now.";
  return `<h2 id="versions">Published versions of ${escapeHtml(data.period)}</h2>
<p>A published version never changes; a correction is the next version, with what changed and why. ${whose}</p>
<ol aria-labelledby="versions">${items.join("")}</ol>`;
}

/** Consecutive half-years without requests said once ("2022H1–2026H1: no requests"), not one by one. */
function describeSeries(name: string, points: readonly ChartPoint[], pause?: ChartPause): string {
  const parts: string[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as ChartPoint;
    if (p.requests === 0) {
      let j = i;
      while (j + 1 < points.length && points[j + 1]?.requests === 0) j++;
      parts.push(`${j > i ? `${p.period}–${points[j]?.period}` : p.period}: no requests`);
      i = j;
      continue;
    }
    const notHeld = p.requests - p.held;
    const answered = notHeld === 0 ? "" : `, ${percentOf(p.produced, notHeld)}% answered`;
    const held = p.held === 0 ? "" : p.held === p.requests ? ", all held" : `, ${shown(p.held)} held`;
    parts.push(`${p.period}: ${shown(p.requests)} requests${held}${answered}`);
  }
  const paused = pause
    ? ` ${pause.status === "refused" ? "Refused" : "Paused"}${pause.since ? ` since ${dayOf(pause.since)}` : ""}.`
    : "";
  const noun = points[0] ? periodNoun(points[0].period) : "half-year";
  return `${name}, requests received and share answered by ${noun}.${paused} ${parts.join("; ")}.`;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.25rem;margin-top:2rem}
a{color:#1f4e79}a:focus,[tabindex]:focus{outline:3px solid #ffbf47;outline-offset:1px}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
nav a{display:inline-block;padding:.2rem .55rem;border:1px solid #a9c3de;border-radius:.3rem;text-decoration:none}
nav a[aria-current=page]{background:#1f4e79;color:#fff;border-color:#1f4e79}
nav .gap{color:#595959;font-size:.85rem;padding:0 .3rem}
.download{display:inline-block;padding:.35rem .8rem;border:2px solid #1f4e79;border-radius:.3rem;font-weight:600;text-decoration:none}
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem;margin:1rem 0;padding:0}
.headline div{border-left:4px solid #1f4e79;padding:.2rem .7rem;background:#f3f6f9}
.headline dt{font-size:.9rem;color:#3d3d3d}.headline dd{margin:0;font-size:1.7rem;font-weight:700}
.headline .held{border-color:#b35c00}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:1.2rem}
figure{margin:0;min-width:0}figcaption{font-weight:600;margin-bottom:.3rem}
figcaption span{display:block;font-weight:400;color:#8a4500;font-size:.9rem}
svg{max-width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;padding:0;list-style:none;font-size:.9rem}
.legend i{display:inline-block;width:.9rem;height:.9rem;vertical-align:-.1rem;margin-right:.3rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.4rem 0}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:right;white-space:nowrap}
th:nth-child(-n+3),td:nth-child(-n+3){text-align:left}
tbody th,tfoot th{position:sticky;left:0;background:#fff}
tfoot th,tfoot td{border-top:2px solid #1b1b1b;font-weight:700}
`;

export function renderReportPage(data: ReportPageData, options: ReportPageOptions = {}): string {
  const publisher = options.publisher ?? "Custodian";
  // A version's files are named as the period's are, under its number: 2025H2.apple.csv → versions/1.apple.csv.
  const base = data.version ? `/reports/${data.period}/versions/${data.version.version}` : null;
  const layoutHref =
    options.layoutHref ?? ((file: string) => (base ? `${base}${file.slice(data.period.length)}` : `/reports/${file}`));
  const csvHref = options.csvHref ?? ((period: Period) => layoutHref(`${period}.csv`));
  const pageHref = options.pageHref ?? ((period: Period) => `/reports/${period}`);
  const listed = data.periods.includes(data.period) ? data.periods : [...data.periods, data.period].sort();
  // The charts' axis: every half-year from the first to the last on record, so gaps stay gaps.
  const axis = listed.length === 0 ? [] : periodsBetween(listed[0] as Period, listed[listed.length - 1] as Period);
  const selectedRows = data.rows.filter((r) => r.period === data.period);
  const pauses = new Map((data.pauses ?? []).map((p) => [p.jurisdiction, p]));

  // Charts for the jurisdictions that sent requests in the selected period, busiest first.
  const totals = new Map<string, number>();
  for (const r of selectedRows) totals.set(r.jurisdiction, (totals.get(r.jurisdiction) ?? 0) + r.requests);
  const jurisdictions = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || (a < b ? -1 : 1),
  );
  const rowsBy = new Map<string, ReportRow[]>();
  for (const r of data.rows) rowsBy.set(r.jurisdiction, [...(rowsBy.get(r.jurisdiction) ?? []), r]);
  const charts: string[] = [];
  for (const code of jurisdictions) {
    const name = `${countryName(code)} (${code})`;
    const points = seriesOf(rowsBy.get(code) ?? [], axis, data.period);
    if (points.every((p) => p.requests === 0)) continue;
    const pause = pauses.get(code);
    const svg = renderChart(points, describeSeries(name, points, pause), pause);
    const note = pause
      ? `<span>${pause.status === "refused" ? "Refused" : "Paused"}${pause.since ? ` since ${escapeHtml(dayOf(pause.since))}` : ""}: ${
          pause.status === "refused" ? "requests are answered with nothing" : "requests are held, nothing is produced"
        }</span>`
      : "";
    charts.push(`<figure><figcaption>${escapeHtml(name)}${note}</figcaption>${svg}</figure>`);
  }

  // The half-years on record; a stretch without any request is said, not closed up.
  const navItems: string[] = [];
  listed.forEach((p, i) => {
    const previous = listed[i - 1];
    if (previous) {
      const between = periodsBetween(previous, p).slice(1, -1);
      if (between.length > 0) {
        const span = between.length === 1 ? between[0] : `${between[0]}–${between[between.length - 1]}`;
        navItems.push(`<li class="gap">${escapeHtml(span as string)}: no requests</li>`);
      }
    }
    const current = p === data.period ? ' aria-current="page"' : "";
    navItems.push(`<li><a href="${escapeHtml(pageHref(p))}"${current}>${escapeHtml(p)}</a></li>`);
  });

  // Exact figures only: national-security requests are banded, and an exact total would undo the band.
  const exact = selectedRows.filter((r) => r.process !== "national_security");
  const sum = (pick: (r: ReportRow) => number) => exact.reduce((n, r) => n + pick(r), 0);
  const total = {
    requests: sum((r) => r.requests),
    accounts: sum((r) => r.accountsSpecified),
    produced: sum((r) => r.produced),
    held: sum((r) => r.held),
    rejected: sum((r) => r.rejected),
    noData: sum((r) => r.noData),
  };
  const banded = selectedRows.length > exact.length;
  const countries = new Set(selectedRows.map((r) => r.jurisdiction)).size;
  const heldIn = [...new Set(exact.filter((r) => r.held > 0).map((r) => countryName(r.jurisdiction)))].sort();
  const headline =
    selectedRows.length === 0
      ? ""
      : `<dl class="headline">
<div><dt>Requests received</dt><dd>${shown(total.requests)}</dd></div>
<div><dt>Some data produced</dt><dd>${percentOf(total.produced, total.requests).toFixed(1)}%</dd></div>
<div><dt>Rejected</dt><dd>${shown(total.rejected)}</dd></div>
<div class="held"><dt>Held (jurisdiction paused)</dt><dd>${shown(total.held)}</dd></div>
<div><dt>Jurisdictions</dt><dd>${shown(countries)}</dd></div>
</dl>
<p>${heldIn.length > 0 ? `Held: requests from ${escapeHtml(heldIn.join(", "))}, received while answers to it were paused. ` : ""}${
          banded
            ? "National-security requests are not in these totals: they are published only in bands of 250, in the table."
            : ""
        }</p>`;

  const header =
    "<tr><th scope=col>Jurisdiction</th><th scope=col>Code</th><th scope=col>Legal process</th>" +
    "<th scope=col>Requests</th><th scope=col>Accounts specified</th><th scope=col>Some data produced</th>" +
    "<th scope=col>% with data produced</th><th scope=col>Held</th><th scope=col>Rejected</th><th scope=col>No data</th></tr>";
  const named = selectedRows
    .map((row) => ({ row, name: countryName(row.jurisdiction) }))
    .sort((a, b) => byName.compare(a.name, b.name) || byName.compare(a.row.process, b.row.process));
  const body = named
    .map(({ row, name }) => {
      const p = publishRow(row);
      const cells = [
        shown(p.requests),
        shown(p.accounts_specified),
        shown(p.requests_with_data_produced),
        p.percent_with_data_produced === null ? "" : p.percent_with_data_produced.toFixed(1),
        shown(p.requests_held),
        shown(p.requests_rejected),
        shown(p.requests_no_data),
      ].map((v) => `<td>${escapeHtml(v)}</td>`);
      return `<tr><th scope=row>${escapeHtml(name)}</th><td>${escapeHtml(row.jurisdiction)}</td><td>${escapeHtml(row.process.replaceAll("_", " "))}</td>${cells.join("")}</tr>`;
    })
    .join("\n");
  const totalCells = [
    shown(total.requests),
    shown(total.accounts),
    shown(total.produced),
    percentOf(total.produced, total.requests).toFixed(1),
    shown(total.held),
    shown(total.rejected),
    shown(total.noData),
  ].map((v) => `<td>${v}</td>`);
  const footer = `<tr><th scope=row colspan=3>Total${banded ? " (national security excluded)" : ""}</th>${totalCells.join("")}</tr>`;
  const table =
    selectedRows.length === 0
      ? `<p>No requests were received in ${escapeHtml(data.period)}.</p>`
      : `<div class="scroll" role="region" aria-labelledby="figures-caption" tabindex="0"><table><caption id="figures-caption">Requests received in ${escapeHtml(data.period)}, by jurisdiction and legal process</caption>
<thead>${header}</thead><tbody>
${body}
</tbody><tfoot>${footer}</tfoot></table></div>`;

  const version = data.version;
  const legend = `<ul class="legend">
<li><i style="background:#1f4e79"></i>requests received in ${escapeHtml(data.period)}</li>
<li><i style="background:#a9c3de"></i>other ${periodNoun(data.period)}s</li>
<li><i style="background:repeating-linear-gradient(45deg,#b35c00 0 2px,#f6dcc2 2px 4px)"></i>held while paused</li>
<li><i style="height:2px;background:#b03a2e;vertical-align:.2rem"></i>share answered of the requests not held (right axis)</li>
</ul>`;
  const title = `Government requests for user data, ${data.period}${version ? `, version ${version.version}` : ""} — ${publisher}`;
  // A version froze its period's figures only: no chart over time, the live page one link away.
  const overTime = version
    ? `<p>This is version ${version.version} of ${escapeHtml(data.period)}'s report as published on ${escapeHtml(dayOf(version.publishedAt.slice(0, 10)))}: its figures never change. <a href="${escapeHtml(pageHref(data.period))}">${escapeHtml(data.period)} as the ledger stands now</a>, with the charts over time.</p>`
    : `<h2>Requests and share answered, by jurisdiction</h2>
<p>Every ${periodNoun(data.period)} has its place on the time axis: one without requests is left empty, and the line is broken across it.</p>
${legend}
<div class="charts">
${charts.join("\n")}
</div>`;
  const notices = data.notices
    ? noticesSection(data.period, data.notices)
    : version
      ? `<h2 id="notices">Telling the people concerned</h2>\n<p>Version ${version.version} was published before user-notice figures were frozen with a version: it has none. The <a href="${escapeHtml(pageHref(data.period))}">page of ${escapeHtml(data.period)}</a> shows the ledger's as of now.</p>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${HELD_PATTERN}
<header>
<h1>${escapeHtml(title)}</h1>
${version ? "" : `<nav aria-label="Half-years"><ul>${navItems.join("")}</ul></nav>`}
</header>
<main>
${headline}
<p><a class="download" href="${escapeHtml(csvHref(data.period))}" download>Download ${escapeHtml(data.period)} as CSV</a></p>
${layoutsList(data.period, layoutHref, version)}
${versionsSection(data, options.versionHref ?? ((p, n) => `/reports/${p}/versions/${n}`))}
<p><a href="${escapeHtml(options.demandsHref ?? "/reports/demands")}">Demands published after their gag lifted</a>, redacted, each approved by counsel.</p>
<p>${escapeHtml(publisher)} publishes every government request for user data it receives, counted in the ${periodNoun(data.period)} it was received.
A request is <em>held</em> while its jurisdiction is paused (received, nothing produced); it counts as <em>data produced</em> once data was approved for disclosure.
National-security requests are published only in bands of 250 and are left out of the charts and totals.</p>
${overTime}
<h2>${escapeHtml(data.period)} in figures</h2>
${table}
${notices}
</main>
</body>
</html>
`;
}
