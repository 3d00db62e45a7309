import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { DSA_CATEGORIES } from "../domain/dsa.js";
import { checkDsaBreakdowns, DSA_COLUMNS, DsaBreakdownMismatch, formatHours, toDsaCsv } from "./dsa.format.js";
import type { DsaCell } from "./dsa.repository.js";
import type { Year } from "./period.js";

/** The DSA template's layout, and the check that refuses a report whose two breakdowns disagree. */

const cell = (
  memberState: string | null,
  category: string | null,
  orders: number,
  hours?: [number, number],
): DsaCell => ({
  memberState,
  category,
  orders,
  confirmed: hours ? orders : 0,
  medianConfirmSeconds: hours ? hours[0] * 3600 : null,
  answered: hours ? orders : 0,
  medianEffectSeconds: hours ? hours[1] * 3600 : null,
});

const MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS";
const FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD";

// Three orders: two from France (minors, fraud), one from Germany (minors).
const CONSISTENT = [
  cell(null, null, 3, [4.4, 30]),
  cell(null, MINORS, 2, [2, 20]),
  cell(null, FRAUD, 1, [0, 40]),
  cell("DE", null, 1, [1, 10]),
  cell("DE", MINORS, 1, [1, 10]),
  cell("FR", null, 2, [3, 35]),
  cell("FR", MINORS, 1, [3, 30]),
  cell("FR", FRAUD, 1, [0, 40]),
];

const records = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[];

describe("the DSA template's layout", () => {
  it("writes the template's columns: the total, every category, then each Member State's total and categories", () => {
    const out = records(toDsaCsv("2025" as Year, "Example Service", CONSISTENT));
    expect(Object.keys(out[0] ?? {})).toEqual([...DSA_COLUMNS]);
    const pick = (r: Record<string, string>) => [
      r["Category of illegal content"],
      r.Scope,
      r["Number of orders to provide information"],
      r["Median time to inform the authority of the receipt of the order to provide information"],
      r["Median time to give effect to the order to provide information"],
    ];
    expect(out.length).toBe(1 + DSA_CATEGORIES.length + 2 + 3);
    expect(pick(out[0] as Record<string, string>)).toEqual(["TOTAL", "TOTAL", "3", "4.4 h", "30 h"]);
    expect(out[0]?.Service).toBe("Example Service");
    expect(out[0]?.["Reporting period"]).toBe("2025-01-01/2025-12-31");
    expect(out[0]?.["Number of orders to act against illegal content received"]).toBe("");
    expect(
      out[0]?.["Contextual information on Median time to give effect to the order to provide information"],
    ).toMatch(/over the 3 of 3 orders answered/);
    // Every category of the template over every Member State, with 0 and no median where there were none.
    const animals = out.find((r) => r["Category of illegal content"] === "STATEMENT_CATEGORY_ANIMAL_WELFARE");
    expect(animals && pick(animals)).toEqual(["STATEMENT_CATEGORY_ANIMAL_WELFARE", "TOTAL", "0", "", ""]);
    expect(out.slice(-5).map(pick)).toEqual([
      ["TOTAL", "DE", "1", "1 h", "10 h"],
      [MINORS, "DE", "1", "1 h", "10 h"],
      ["TOTAL", "FR", "2", "3 h", "35 h"],
      [MINORS, "FR", "1", "3 h", "30 h"],
      [FRAUD, "FR", "1", "0 h", "40 h"],
    ]);
  });

  it("gives medians in hours as the published reports do, to two decimals", () => {
    expect(formatHours(15_840)).toBe("4.4 h");
    expect(formatHours(98_856)).toBe("27.46 h");
    expect(formatHours(null)).toBeNull();
  });

  it("refuses a report whose Member States and categories do not add up to the same total, naming each disagreement", () => {
    // Discord's 2025 report: 12 orders by category, 25 by Member State.
    const tampered = CONSISTENT.map((c) => (c.memberState === "FR" && c.category === null ? { ...c, orders: 5 } : c));
    expect(() => checkDsaBreakdowns(CONSISTENT)).not.toThrow();
    expect(() => toDsaCsv("2025" as Year, "S", tampered)).toThrow(DsaBreakdownMismatch);
    expect(() => checkDsaBreakdowns(tampered)).toThrow(
      "the DSA report's breakdowns do not add up, so it is not produced: the orders by Member State add up to 6, the total is 3; FR's orders by category add up to 2, its total is 5",
    );
    const byCategory = CONSISTENT.map((c) =>
      c.memberState === null && c.category === FRAUD ? { ...c, orders: 4 } : c,
    );
    expect(() => checkDsaBreakdowns(byCategory)).toThrow(
      `the orders by category add up to 6, the total is 3; ${FRAUD}'s orders by Member State add up to 1, its total is 4`,
    );
  });
});
