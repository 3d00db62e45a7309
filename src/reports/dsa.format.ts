import { DSA_CATEGORIES } from "../domain/dsa.js";
import { OperationalError } from "../shared/errors.js";
import type { DsaCell } from "./dsa.repository.js";
import { periodBounds, periodEnding, type Year } from "./period.js";
import { csv } from "./report.format.js";

/**
 * The DSA report on orders to provide information in the layout of the harmonised template's sheet
 * "Member States' orders" (Implementing Regulation (EU) 2024/2835, Annex I; the CSV sheet
 * `03_member_states_orders` of the providers' published reports). Pure: the same cells give the same bytes.
 *
 * Custodian receives orders to provide information (Art. 10), not orders to act against illegal content
 * (Art. 9): those columns are left empty. Rows: the total, then every category of the template, over every
 * Member State (scope TOTAL); then for each Member State with orders, its total and each category it sent.
 * Before anything is written the two breakdowns are checked against each other and the total
 * (`checkDsaBreakdowns`): a report whose cuts disagree is refused, never published.
 */

export const DSA_COLUMNS = [
  "Applicability",
  "Service",
  "Reporting period",
  "Category of illegal content",
  'Description of the sub-category "Other"',
  "Scope",
  "Number of orders to act against illegal content received",
  "Number of specific items of information included in the total number of orders to act against illegal content",
  "Median time to inform the authority of the receipt of the order to act against illegal content",
  "Median time to give effect to the order to act against illegal content",
  "Number of orders to provide information",
  "Median time to inform the authority of the receipt of the order to provide information",
  "Median time to give effect to the order to provide information",
  "Contextual information on number of orders to act against illegal content received",
  "Contextual information on number of specific items of information included in the total number of orders to act against illegal content",
  "Contextual information on Median time to inform the authority of the receipt of the order to act against illegal content",
  "Contextual information on Median time to give effect to the order to act against illegal content",
  "Contextual information on Number of orders to provide information",
  "Contextual information on Median time to inform the authority of the receipt of the order to provide information",
  "Contextual information on Median time to give effect to the order to provide information",
] as const;

/** An operational refusal: the CLI says it in one line, HTTP answers 500; nothing half-right is published. */
export class DsaBreakdownMismatch extends OperationalError {
  constructor(readonly problems: readonly string[]) {
    super(`the DSA report's breakdowns do not add up, so it is not produced: ${problems.join("; ")}`);
    this.name = "DsaBreakdownMismatch";
  }
}

/**
 * The orders by Member State and by category must each add up to the total, and within each Member State
 * (and each category) the other breakdown to its subtotal. Throws DsaBreakdownMismatch naming every
 * disagreement.
 */
export function checkDsaBreakdowns(cells: readonly DsaCell[]): void {
  const total = cells.find((c) => c.memberState === null && c.category === null)?.orders ?? 0;
  const problems: string[] = [];
  const sum = (keep: (c: DsaCell) => boolean) => cells.filter(keep).reduce((n, c) => n + c.orders, 0);
  const byState = sum((c) => c.memberState !== null && c.category === null);
  const byCategory = sum((c) => c.memberState === null && c.category !== null);
  if (byState !== total) problems.push(`the orders by Member State add up to ${byState}, the total is ${total}`);
  if (byCategory !== total) problems.push(`the orders by category add up to ${byCategory}, the total is ${total}`);
  for (const cell of cells) {
    if (cell.memberState !== null && cell.category === null) {
      const parts = sum((c) => c.memberState === cell.memberState && c.category !== null);
      if (parts !== cell.orders)
        problems.push(`${cell.memberState}'s orders by category add up to ${parts}, its total is ${cell.orders}`);
    }
    if (cell.memberState === null && cell.category !== null) {
      const parts = sum((c) => c.category === cell.category && c.memberState !== null);
      if (parts !== cell.orders)
        problems.push(`${cell.category}'s orders by Member State add up to ${parts}, its total is ${cell.orders}`);
    }
  }
  if (problems.length > 0) throw new DsaBreakdownMismatch(problems);
}

/** A median in hours as the template's reports give it (`4.4 h`); empty when no order has the moment. */
export function formatHours(seconds: number | null): string | null {
  return seconds === null ? null : `${Number((seconds / 3600).toFixed(2))} h`;
}

/** The template's reporting period: `2025-01-01/2025-12-31`. */
export function dsaReportingPeriod(year: Year): string {
  return `${periodBounds(year).start.toISOString().slice(0, 10)}/${periodEnding(year)}`;
}

export type DsaLine = (string | number | null)[];

/** The CSV's lines (without the header), in its order; checked like the CSV (`checkDsaBreakdowns`). */
export function dsaLines(year: Year, service: string, cells: readonly DsaCell[]): DsaLine[] {
  checkDsaBreakdowns(cells);
  const find = (state: string | null, category: string | null) =>
    cells.find((c) => c.memberState === state && c.category === category);
  const line = (category: string | null, scope: string | null, cell: DsaCell | undefined, context = false) => {
    const orders = cell?.orders ?? 0;
    return [
      "All",
      service,
      dsaReportingPeriod(year),
      category ?? "TOTAL",
      null,
      scope ?? "TOTAL",
      null,
      null,
      null,
      null,
      orders,
      formatHours(cell?.medianConfirmSeconds ?? null),
      formatHours(cell?.medianEffectSeconds ?? null),
      null,
      null,
      null,
      null,
      context
        ? "Orders to provide information about specific recipients (Art. 10) from the authorities of the 27 Member States, counted in the year they were received; preservation requests are not counted."
        : null,
      context && cell
        ? `From receipt to the moment the authority was told of it; over the ${cell.confirmed} of ${orders} orders whose receipt was confirmed.`
        : null,
      context && cell
        ? `From receipt to delivery of the information, or to the answer that the order was not executed; over the ${cell.answered} of ${orders} orders answered.`
        : null,
    ];
  };
  const lines: DsaLine[] = [line(null, null, find(null, null), true)];
  for (const category of DSA_CATEGORIES) lines.push(line(category, null, find(null, category)));
  const states = cells
    .filter((c) => c.memberState !== null && c.category === null && c.orders > 0)
    .map((c) => c.memberState as string)
    .sort();
  for (const state of states) {
    lines.push(line(null, state, find(state, null)));
    for (const category of DSA_CATEGORIES) {
      const cell = find(state, category);
      if (cell && cell.orders > 0) lines.push(line(category, state, cell));
    }
  }
  return lines;
}

export function toDsaCsv(year: Year, service: string, cells: readonly DsaCell[]): string {
  return csv(DSA_COLUMNS, dsaLines(year, service, cells));
}
