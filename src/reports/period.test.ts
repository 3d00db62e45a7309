import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PERIOD_KINDS,
  periodBounds,
  periodEnding,
  periodKind,
  periodOf,
  periodSchema,
  periodsBetween,
  previousPeriod,
  quartersOf,
} from "./period.js";

/** Years, half-years and quarters: each moment in exactly one of each kind, every kind a union of quarters. */
describe("reporting periods", () => {
  const moment = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) - 1 }).map((t) => new Date(t));

  it("a moment lies within the bounds of its period of every kind, and in the quarters of each", () => {
    fc.assert(
      fc.property(moment, (at) => {
        for (const kind of PERIOD_KINDS) {
          const period = periodOf(at, kind);
          expect(periodSchema.parse(period)).toBe(period);
          expect(periodKind(period)).toBe(kind);
          const { start, end } = periodBounds(period);
          expect(start.getTime() <= at.getTime() && at.getTime() < end.getTime()).toBe(true);
          expect(quartersOf(period)).toContain(periodOf(at, "quarter"));
          expect(periodEnding(period)).toBe(new Date(end.getTime() - 1).toISOString().slice(0, 10));
          // The previous period ends where this one starts.
          expect(periodBounds(previousPeriod(period)).end).toEqual(start);
        }
      }),
    );
  });

  it("names the parts of a year", () => {
    expect(quartersOf("2025")).toEqual(["2025Q1", "2025Q2", "2025Q3", "2025Q4"]);
    expect(quartersOf("2025H2")).toEqual(["2025Q3", "2025Q4"]);
    expect(quartersOf("2025Q3")).toEqual(["2025Q3"]);
    expect(periodBounds("2025Q3")).toEqual({
      start: new Date("2025-07-01T00:00:00Z"),
      end: new Date("2025-10-01T00:00:00Z"),
    });
    expect(periodEnding("2025")).toBe("2025-12-31");
    expect(periodEnding("2024Q1")).toBe("2024-03-31");
    expect(periodEnding("2020H1")).toBe("2020-06-30");
    expect(periodsBetween("2024Q3", "2025Q2")).toEqual(["2024Q3", "2024Q4", "2025Q1", "2025Q2"]);
    expect(periodsBetween("2020H2", "2021H2")).toEqual(["2020H2", "2021H1", "2021H2"]);
    expect(periodsBetween("2019", "2021")).toEqual(["2019", "2020", "2021"]);
    expect(() => periodsBetween("2020", "2020H2")).toThrow(RangeError);
    expect(previousPeriod("2021Q1")).toBe("2020Q4");
  });

  it("accepts 2025, 2025H2 and 2025Q3 and refuses anything else", () => {
    for (const bad of [
      "2020H3",
      "2020Q5",
      "2020Q0",
      "20H1",
      "1969",
      "1969Q4",
      "2020h1",
      "2020q3",
      "2020-Q3",
      "02020",
    ]) {
      expect(periodSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
