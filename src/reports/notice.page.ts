import { countryName } from "./country-names.js";
import { escapeHtml } from "./html.js";
import { publishNoticeRow } from "./notice.format.js";
import type { NoticeRow } from "./notice.repository.js";

/**
 * The public page's section on user notices (pure; report.page.ts places it): per jurisdiction and legal
 * process, whether the people a request was about were told. National-security rows are in bands and left
 * out of the total row, as in the requests' table.
 */

const thousands = new Intl.NumberFormat("en-US");
const byName = new Intl.Collator("en");

const shown = (value: number | string) => (typeof value === "number" ? thousands.format(value) : value);

export function noticesSection(period: string, rows: readonly NoticeRow[]): string {
  const intro = `<h2 id="notices">Telling the people concerned</h2>
<p>When a request has been answered (data disclosed, or the request refused) the owners of the accounts it named are told, unless the law bars it.
<em>Given</em>: told without delay. <em>Delayed</em>: told once a non-disclosure order had ended. <em>Barred</em>: a non-disclosure order, or the open-ended gag of a national-security request, still forbids it.
<em>Waiting</em>: an emergency's delay, or the days the policy waits after answering, have not passed. <em>Not possible</em>: no account named was found, or none had an address to write to.
<em>By the authority</em>: the law the request was made under leaves telling the person to the authority that issued it (a European Production Order: Regulation (EU) 2023/1543 Art. 13), and we keep the order confidential.
Each request counts once, in the period it was received, under the jurisdiction it came from.</p>`;
  if (rows.length === 0)
    return `${intro}\n<p>No request received in ${escapeHtml(period)} has been answered yet: no notice was due.</p>`;
  const exact = rows.filter((r) => r.process !== "national_security");
  const sum = (pick: (r: NoticeRow) => number) => thousands.format(exact.reduce((n, r) => n + pick(r), 0));
  const body = rows
    .map((row) => ({ row, name: countryName(row.jurisdiction) }))
    .sort((a, b) => byName.compare(a.name, b.name) || byName.compare(a.row.process, b.row.process))
    .map(({ row, name }) => {
      const p = publishNoticeRow(row);
      const cells = [
        p.notices_given,
        p.notices_delayed_by_non_disclosure,
        p.notices_barred,
        p.notices_pending_emergency_delay,
        p.notices_not_possible,
        p.notices_left_to_issuing_authority,
      ].map((v) => `<td>${escapeHtml(shown(v))}</td>`);
      return `<tr><th scope=row>${escapeHtml(name)}</th><td>${escapeHtml(row.jurisdiction)}</td><td>${escapeHtml(row.process.replaceAll("_", " "))}</td>${cells.join("")}</tr>`;
    })
    .join("\n");
  const banded = exact.length < rows.length;
  const total = [
    sum((r) => r.given),
    sum((r) => r.delayed),
    sum((r) => r.barred),
    sum((r) => r.pending),
    sum((r) => r.notPossible),
    sum((r) => r.byAuthority),
  ].map((v) => `<td>${v}</td>`);
  return `${intro}
<div class="scroll" role="region" aria-labelledby="notices-caption" tabindex="0"><table><caption id="notices-caption">User notices for requests received in ${escapeHtml(period)}, by jurisdiction and legal process</caption>
<thead><tr><th scope=col>Jurisdiction</th><th scope=col>Code</th><th scope=col>Legal process</th><th scope=col>Given</th><th scope=col>Delayed by a non-disclosure order</th><th scope=col>Barred</th><th scope=col>Waiting (emergency)</th><th scope=col>Not possible</th><th scope=col>Left to the issuing authority</th></tr></thead><tbody>
${body}
</tbody><tfoot><tr><th scope=row colspan=3>Total${banded ? " (national security excluded)" : ""}</th>${total.join("")}</tr></tfoot></table></div>`;
}
