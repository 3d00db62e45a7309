import { z } from "zod";

/**
 * A reporting period is a half-year, `2020H1` (January–June) or `2020H2` (July–December), in UTC: a
 * request belongs to the half-year in which it was received, whatever happens to it later. The SQL
 * function `report_period` (migration 0002) is the same definition; report.test.ts holds them together.
 */
export type Period = `${number}H${1 | 2}`;

export const PERIOD_PATTERN = /^\d{4}H[12]$/;

export const periodSchema = z
  .string()
  .regex(PERIOD_PATTERN, { error: "must be a half-year like 2020H2 (four-digit year, H1 or H2)" })
  .refine((value) => Number(value.slice(0, 4)) >= 1970, { error: "must be 1970H1 or later" })
  .transform((value) => value as Period);

export function periodOf(at: Date): Period {
  return `${at.getUTCFullYear()}H${at.getUTCMonth() < 6 ? 1 : 2}` as Period;
}

/** The half-open interval [start, end) of a period. */
export function periodBounds(period: Period): { start: Date; end: Date } {
  const year = Number(period.slice(0, 4));
  const second = period.endsWith("H2");
  return {
    start: new Date(Date.UTC(year, second ? 6 : 0, 1)),
    end: new Date(Date.UTC(second ? year + 1 : year, second ? 0 : 6, 1)),
  };
}

/** The last day of the period, as Google's CSV dates a period (`2020-12-31`). */
export function periodEnding(period: Period): string {
  return period.endsWith("H2") ? `${period.slice(0, 4)}-12-31` : `${period.slice(0, 4)}-06-30`;
}

/** Periods from `first` to `last`, both included, in order. */
export function periodsBetween(first: Period, last: Period): Period[] {
  const out: Period[] = [];
  const index = (p: Period) => Number(p.slice(0, 4)) * 2 + (p.endsWith("H2") ? 1 : 0);
  for (let i = index(first); i <= index(last); i++) out.push(`${Math.floor(i / 2)}H${(i % 2) + 1}` as Period);
  return out;
}

export function comparePeriods(a: Period, b: Period): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
