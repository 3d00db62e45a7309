import { z } from "zod";
import { checkWith, type Problem, text, ValidationError } from "../shared/validation.js";

/**
 * The standards checklist a review certifies, and what a recommendation to approve or an approval owes it.
 * Pure: the API and the desk page ask the same questions of the same answers. Nothing is presumed: each
 * item is answered `met` or `not_met` in so many words (a box left unticked once counted as an answer, and a
 * risk radio came pre-selected), an item not met says why, and a high human-rights risk carries a reasoned
 * note — counsel's, on an approval — because that is the case the checklist exists for.
 */

export const CHECK_ITEMS = ["legality", "necessityAndProportionality", "dueProcess"] as const;
export type CheckItem = (typeof CHECK_ITEMS)[number];
export const CHECK_ANSWERS = ["met", "not_met"] as const;
export const RISKS = ["low", "medium", "high"] as const;
export type Risk = (typeof RISKS)[number];

/** How long the reasoning for disclosing despite a high human-rights risk must be, at least. */
export const HIGH_RISK_REASONING_MIN = 20;

/** The note field that goes with each item (and with the risk). */
export const noteOf = (item: CheckItem | "humanRightsRisk") => `${item}Note` as const;

const answer = z.enum(CHECK_ANSWERS, { error: 'must be "met" or "not_met"' });

/** The checklist's shape: every field optional here, since what is owed depends on the verdict (below). */
export const checklistSchema = z.strictObject({
  legality: answer.optional(),
  legalityNote: text(2000).optional(),
  necessityAndProportionality: answer.optional(),
  necessityAndProportionalityNote: text(2000).optional(),
  dueProcess: answer.optional(),
  dueProcessNote: text(2000).optional(),
  humanRightsRisk: z.enum(RISKS, { error: 'must be "low", "medium" or "high"' }).optional(),
  humanRightsRiskNote: text(4000).optional(),
});
export type Checklist = z.output<typeof checklistSchema>;

/** The checklist as sent, or a ValidationError naming each field at `checklist.<field>`. */
export function parseChecklist(input: unknown): Checklist {
  const result = checkWith(checklistSchema, input);
  if (result.ok) return result.value;
  throw new ValidationError(result.problems.map((p) => ({ ...p, path: p.path ? `checklist.${p.path}` : "checklist" })));
}

export type ReviewVerdict = "recommend_approve" | "recommend_reject" | "approve" | "reject";

/** The verdicts that move a request toward disclosure: these owe the checklist in full. */
export const certifies = (verdict: ReviewVerdict) => verdict === "recommend_approve" || verdict === "approve";

export const ITEM_TEXT: Record<CheckItem, string> = {
  legality: "Legality: the process is valid and issued by a competent authority",
  necessityAndProportionality:
    "Necessity and proportionality: the accounts, data and period asked for are no more than the case needs",
  dueProcess: "Due process: the user can be told, or a court ordered otherwise",
};

/**
 * What is missing from `checklist` for `verdict`, each problem at the field it concerns (`checklist.legality`,
 * `checklist.legalityNote`, ...). Empty when the review may be recorded. `riskRecorded` is the highest risk an
 * earlier review of the same decision recorded: counsel's approval answers for it even if it says less.
 */
export function checklistProblems(
  verdict: ReviewVerdict,
  checklist: Checklist | undefined,
  riskRecorded?: Risk,
): Problem[] {
  if (!certifies(verdict)) return [];
  const c = checklist ?? {};
  const problems: Problem[] = [];
  for (const item of CHECK_ITEMS) {
    const given = c[item];
    if (given === undefined) {
      problems.push({ path: `checklist.${item}`, message: 'required: answer "met" or "not_met"' });
    } else if (given === "not_met" && !c[noteOf(item)]?.trim()) {
      problems.push({ path: `checklist.${noteOf(item)}`, message: "required: say why it is not met" });
    }
  }
  if (c.humanRightsRisk === undefined) {
    problems.push({ path: "checklist.humanRightsRisk", message: 'required: "low", "medium" or "high"' });
  }
  const high = c.humanRightsRisk === "high" || riskRecorded === "high";
  const reasoning = c.humanRightsRiskNote?.trim() ?? "";
  if (high && reasoning.length < HIGH_RISK_REASONING_MIN) {
    const whose = verdict === "approve" ? "counsel's reasoned note" : "a reasoned note";
    const why =
      c.humanRightsRisk === "high"
        ? "the human-rights risk is high"
        : "an earlier review of this decision found the human-rights risk high";
    problems.push({
      path: "checklist.humanRightsRiskNote",
      message: `required: ${why}; give ${whose} on why disclosure is still justified (at least ${HIGH_RISK_REASONING_MIN} characters)`,
    });
  }
  return problems;
}

/** The highest of the risks recorded, if any was. */
export function highestRisk(recorded: ReadonlyArray<unknown>): Risk | undefined {
  let highest: number = -1;
  for (const value of recorded) highest = Math.max(highest, RISKS.indexOf(value as Risk));
  return highest >= 0 ? RISKS[highest] : undefined;
}
