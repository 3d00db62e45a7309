import { describe, expect, it } from "vitest";
import { ValidationError } from "../shared/validation.js";
import { checklistProblems, highestRisk, parseChecklist } from "./review.rules.js";

const MET = { legality: "met", necessityAndProportionality: "met", dueProcess: "met", humanRightsRisk: "low" } as const;
const paths = (problems: Array<{ path: string }>) => problems.map((p) => p.path);

describe("the standards checklist's rules", () => {
  it("owes nothing on a rejection or a recommendation to reject", () => {
    expect(checklistProblems("reject", undefined)).toEqual([]);
    expect(checklistProblems("recommend_reject", {})).toEqual([]);
  });

  it("owes every item answered, a note for each not met, and the risk, to recommend or approve", () => {
    expect(paths(checklistProblems("recommend_approve", undefined))).toEqual([
      "checklist.legality",
      "checklist.necessityAndProportionality",
      "checklist.dueProcess",
      "checklist.humanRightsRisk",
    ]);
    expect(checklistProblems("approve", MET)).toEqual([]);
    expect(paths(checklistProblems("approve", { ...MET, legality: "not_met", legalityNote: "  " }))).toEqual([
      "checklist.legalityNote",
    ]);
    expect(checklistProblems("approve", { ...MET, legality: "not_met", legalityNote: "no seal" })).toEqual([]);
  });

  it("owes reasoning of 20 characters for a high risk, found now or by an earlier review", () => {
    expect(paths(checklistProblems("recommend_approve", { ...MET, humanRightsRisk: "high" }))).toEqual([
      "checklist.humanRightsRiskNote",
    ]);
    const [earlier] = checklistProblems("approve", MET, "high");
    expect(earlier?.message).toMatch(/earlier review.*counsel's reasoned note/);
    expect(checklistProblems("approve", { ...MET, humanRightsRiskNote: "x".repeat(20) }, "high")).toEqual([]);
    expect(checklistProblems("approve", MET, "medium")).toEqual([]);
  });

  it("reads answers in so many words only, naming the field", () => {
    expect(parseChecklist({ legality: "met" })).toEqual({ legality: "met" });
    let caught: unknown;
    try {
      parseChecklist({ legality: true, extra: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(paths((caught as ValidationError).problems).sort()).toEqual(["checklist.extra", "checklist.legality"]);
    expect(highestRisk([undefined, "low", "high", "medium"])).toBe("high");
    expect(highestRisk([undefined, "nonsense"])).toBeUndefined();
  });
});
