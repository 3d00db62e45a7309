import { countryName } from "./country-names.js";
import { escapeHtml } from "./html.js";
import { outcomeText, type PublishedDemand, publicationTitle } from "./publication.format.js";

/**
 * The public page of published demands (`/reports/demands`; docs/publications.md): pure, one
 * self-contained document without script, like the report page. It shows each approved publication's
 * shown fields and what was withheld and why, never a withheld value (the page is given none).
 */

/** What the public page calls each field; the desk's form names them the same. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  agency: "Agency",
  reference: "Agency's reference",
  jurisdiction: "Jurisdiction",
  process: "Legal process",
  instrument: "Instrument",
  issuedBy: "Issued by",
  receivedAt: "Received",
  categories: "Data asked for",
  dateRange: "Period asked for",
  nonDisclosureUntil: "Non-disclosure order until",
  outcome: "Outcome",
  targets: "Accounts named",
};

function facts(demand: PublishedDemand): string {
  const { shown } = demand;
  const rows: [string, string][] = [];
  const add = (field: string, value: string | null | undefined) => {
    if (value !== undefined && value !== null && value !== "") rows.push([FIELD_LABELS[field] ?? field, value]);
  };
  add("agency", shown.agency);
  add("reference", shown.reference);
  add("jurisdiction", shown.jurisdiction ? `${countryName(shown.jurisdiction)} (${shown.jurisdiction})` : undefined);
  add("process", shown.process?.replaceAll("_", " "));
  add("instrument", shown.instrument);
  add("issuedBy", shown.issuedBy);
  add("receivedAt", shown.receivedAt);
  add("categories", shown.categories?.join(", "));
  add("dateRange", shown.dateRange ? `${shown.dateRange.from ?? "…"} to ${shown.dateRange.to ?? "…"}` : undefined);
  add("nonDisclosureUntil", shown.nonDisclosureUntil);
  add("outcome", outcomeText(shown.outcome) ?? undefined);
  const withheld = demand.redactions.map(
    (r) => `<li><strong>${escapeHtml(FIELD_LABELS[r.field] ?? r.field)}</strong>: ${escapeHtml(r.reason)}</li>`,
  );
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>
<p>Withheld:</p><ul>${withheld.join("")}</ul>`;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}a{color:#1f4e79}
a:focus{outline:3px solid #ffbf47;outline-offset:1px}
article{border-top:1px solid #ddd;padding-top:.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
`;

/**
 * One published demand as the public page shows it: the desk's preview uses the same, so what counsel
 * approves is exactly what the public sees. Every value escaped.
 */
export function demandArticle(d: PublishedDemand): string {
  return `<article aria-labelledby="d-${escapeHtml(d.requestId)}">
<h2 id="d-${escapeHtml(d.requestId)}">${escapeHtml(publicationTitle(d.shown))}</h2>
${d.summary ? `<p>${escapeHtml(d.summary)}</p>` : ""}
${facts(d)}
<p><small>${d.approvedAt ? `Published ${escapeHtml(d.approvedAt.slice(0, 10))}` : "Not published: a draft"}</small></p>
</article>`;
}

export function renderPublicationsPage(
  demands: readonly PublishedDemand[],
  options: { publisher?: string; lumenHref?: string } = {},
): string {
  const publisher = options.publisher ?? "Custodian";
  const title = `Government demands published after their gag lifted — ${publisher}`;
  const items = demands.map(demandArticle);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(publisher)} publishes a demand for user data once it has been answered and no non-disclosure order bars it any more, after counsel approved what is shown.
The accounts a demand named are never shown; anything else withheld is listed with the reason.
<a href="${escapeHtml(options.lumenHref ?? "/api/v1/publications/lumen")}">The same demands as Lumen notices (JSON)</a> · <a href="/reports">Transparency reports</a></p></header>
<main>
${items.length === 0 ? "<p>No demand has been published yet.</p>" : items.join("\n")}
</main>
</body>
</html>
`;
}
