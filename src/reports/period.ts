import { z } from "zod";
import { DAY_MS } from "../shared/time.js";

/**
 * A reporting period, in UTC: a calendar year `2025`, a half-year `2025H1` (January–June) or `2025H2`
 * (July–December), or a quarter `2025Q3` (July–September). A request belongs to the period in which it was
 * received, whatever happens to it later. The rollup (migration 0020) is kept per quarter, the smallest
 * kind, so every kind is a sum of whole quarters and stays exact; the SQL functions `report_quarter` and
 * `report_period_of` are the same definitions as `periodOf`, and report.test.ts holds them together.
 */
export type Year = `${number}`;
export type HalfYear = `${number}H${1 | 2}`;
export type Quarter = `${number}Q${1 | 2 | 3 | 4}`;
export type Period = Year | HalfYear | Quarter;

export const PERIOD_KINDS = ["year", "half", "quarter"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export const PERIOD_PATTERN = /^\d{4}(H[12]|Q[1-4])?$/;

export const periodSchema = z
  .string()
  .regex(PERIOD_PATTERN, {
    error: "must be a year, half-year or quarter like 2025, 2025H2 or 2025Q3 (four-digit year)",
  })
  .refine((value) => Number(value.slice(0, 4)) >= 1970, { error: "must be in 1970 or later" })
  .transform((value) => value as Period);

export function periodKind(period: Period): PeriodKind {
  return period.length === 4 ? "year" : period[4] === "H" ? "half" : "quarter";
}

/** The period of `kind` that a moment falls in. */
export function periodOf(at: Date, kind: PeriodKind = "half"): Period {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (kind === "year") return `${year}` as Period;
  if (kind === "half") return `${year}H${month < 6 ? 1 : 2}` as Period;
  return `${year}Q${Math.floor(month / 3) + 1}` as Period;
}

/** The first month (0–11) and the number of months of a period. */
function monthsOf(period: Period): { year: number; first: number; months: number } {
  const year = Number(period.slice(0, 4));
  const n = Number(period.slice(5));
  switch (periodKind(period)) {
    case "year":
      return { year, first: 0, months: 12 };
    case "half":
      return { year, first: (n - 1) * 6, months: 6 };
    case "quarter":
      return { year, first: (n - 1) * 3, months: 3 };
  }
}

/** The half-open interval [start, end) of a period. */
export function periodBounds(period: Period): { start: Date; end: Date } {
  const { year, first, months } = monthsOf(period);
  return { start: new Date(Date.UTC(year, first, 1)), end: new Date(Date.UTC(year, first + months, 1)) };
}

/** The quarters a period is made of, in order: the rollup's keys for it. */
export function quartersOf(period: Period): Quarter[] {
  const { year, first, months } = monthsOf(period);
  const out: Quarter[] = [];
  for (let m = first; m < first + months; m += 3) out.push(`${year}Q${m / 3 + 1}` as Quarter);
  return out;
}

/** The last day of the period, as Google's CSV dates a period (`2020-12-31`). */
export function periodEnding(period: Period): string {
  const { end } = periodBounds(period);
  return new Date(end.getTime() - DAY_MS).toISOString().slice(0, 10);
}

/** The position of a period among the periods of its kind, counted from year 0. */
function indexOf(period: Period): number {
  const { year, first, months } = monthsOf(period);
  return (year * 12 + first) / months;
}

function periodAt(index: number, kind: PeriodKind): Period {
  if (kind === "year") return `${index}` as Period;
  if (kind === "half") return `${Math.floor(index / 2)}H${(index % 2) + 1}` as Period;
  return `${Math.floor(index / 4)}Q${(index % 4) + 1}` as Period;
}

/** Periods from `first` to `last`, both included, in order; both must be of the same kind. */
export function periodsBetween(first: Period, last: Period): Period[] {
  const kind = periodKind(first);
  if (periodKind(last) !== kind) throw new RangeError(`${first} and ${last} are not periods of the same kind`);
  const out: Period[] = [];
  for (let i = indexOf(first); i <= indexOf(last); i++) out.push(periodAt(i, kind));
  return out;
}

/** The period of the same kind just before `period` (`2021H1` → `2020H2`). */
export function previousPeriod(period: Period): Period {
  return periodAt(indexOf(period) - 1, periodKind(period));
}

/** Chronological for periods of one kind; a year sorts before its halves and quarters (`2020` < `2020H1`). */
export function comparePeriods(a: Period, b: Period): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "the half-year 2025H2", as a page or an error message names it. */
export function describePeriod(period: Period): string {
  const kind = periodKind(period);
  return `${kind === "year" ? "the year" : kind === "half" ? "the half-year" : "the quarter"} ${period}`;
}
