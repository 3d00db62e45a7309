import type { Process } from "../domain/vocabulary.js";

/**
 * What the transparency report counts (docs/reports.md), one definition for SQL and TypeScript.
 *
 * Every request counts once under `requests`, in the half-year it was received, under its country
 * (`US-CA` reports under `US`) and its process, and at most once in one of these classes, read from its
 * status (for a closed request: the status it was closed from) and the outcome of its decision in force
 * (the newest):
 *  - `held`: on hold (a paused jurisdiction): received, nothing produced;
 *  - `no_data`: the decision in force is `no_data` (nothing exists: never held, end-to-end encrypted, …);
 *  - `rejected`: the request was rejected, or the decision in force is `reject`;
 *  - `produced`: the request reached approved, fulfilling or delivered (or was closed after delivery)
 *    with a decision in force of comply_full or comply_partial;
 *  - none: still pending, preserved, or withdrawn; counted as received only.
 * A request received while its jurisdiction was paused and answered after the pause was lifted counts
 * in the half-year it was received, as produced, once.
 *
 * The SQL function `report_class` (migration 0002) is this function; report.test.ts compares them on
 * every combination.
 */
export const REPORT_CLASSES = ["produced", "held", "rejected", "no_data"] as const;
export type ReportClass = (typeof REPORT_CLASSES)[number];

const PRODUCING_STATUSES: readonly string[] = ["approved", "fulfilling", "delivered"];
const PRODUCING_OUTCOMES: readonly string[] = ["comply_full", "comply_partial"];

export function reportClass(status: string, closedFrom: string | null, outcome: string | null): ReportClass | null {
  const effective = status === "closed" ? closedFrom : status;
  if (effective === "on_hold") return "held";
  if (effective === "withdrawn") return null;
  if (outcome === "no_data") return "no_data";
  if (outcome === "reject" || effective === "rejected") return "rejected";
  if (effective !== null && PRODUCING_STATUSES.includes(effective) && outcome && PRODUCING_OUTCOMES.includes(outcome)) {
    return "produced";
  }
  return null;
}

/** One row of the report, exact (before national-security banding): period × country × process. */
export interface ReportRow {
  period: string;
  /** The country (ISO 3166-1 alpha-2): subdivisions report under their country. */
  jurisdiction: string;
  process: Process;
  requests: number;
  accountsSpecified: number;
  produced: number;
  held: number;
  rejected: number;
  noData: number;
}

/** National-security figures are published only in bands of this width (`0-249`, `250-499`, …). */
export const NATIONAL_SECURITY_BAND = 250;
