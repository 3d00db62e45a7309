import { CHECK_ITEMS, type CheckItem, HIGH_RISK_REASONING_MIN } from "../requests/review.rules.js";
import type { Problem } from "../shared/validation.js";

/**
 * A page form's problems as sentences written for the person at the form ("Enter the agency's reference",
 * "The end date must be after the start date"), not the document's field paths and the checker's wording.
 * Each form has its table of sentences by field; a problem its table does not know keeps its own words,
 * capitalised. One message per field: the form's own check and the service's may both find the same thing.
 */

/** A form's sentence for a problem, or undefined to keep the problem's own words. */
type Sentences = (problem: Problem) => string | undefined;

const REQUEST: Record<string, (message: string) => string> = {
  reference: () => "Enter the agency's reference",
  jurisdiction: (m) =>
    /unknown|ISO|code/i.test(m) ? "Enter the jurisdiction as a country code, such as US, GB or DE" : capital(m),
  process: () => "Choose the legal process the request is made under",
  categories: () => "Choose at least one category of data",
  "emergency.justification": () => "Say what imminent danger of death or serious injury the disclosure would prevent",
  "dateRange.from": (m) =>
    /both ends/.test(m) ? "Enter both the start and the end date of the period, or neither" : capital(m),
  "dateRange.to": (m) =>
    /both ends/.test(m)
      ? "Enter both the start and the end date of the period, or neither"
      : /after|before/.test(m)
        ? "The end date must be after the start date"
        : capital(m),
};

/** The officer's request form (portal.form.tsx), its paths those of the request document. */
const requestSentence: Sentences = (p) => {
  const known = REQUEST[p.path]?.(p.message);
  if (known) return known;
  const target = /^targets\.(\d+)\.(value|type)$/.exec(p.path);
  if (!target) return undefined;
  return /at least one/.test(p.message)
    ? "Enter at least one account: a username, e-mail address or phone number"
    : `Target ${Number(target[1]) + 1}: ${p.message}`;
};

const ITEM_NAME: Record<CheckItem, string> = {
  legality: "legality",
  necessityAndProportionality: "necessity and proportionality",
  dueProcess: "due process",
};

/** What the review service says when the request is not in a state to take this review, for the reviewer. */
const REVIEW_REFUSALS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  [
    /is (\w+); only a request under review can be reviewed/,
    (m) =>
      `This request is not under review (it is ${(m[1] ?? "").replace("_", " ")}), so nothing was recorded. The page shows where it stands now.`,
  ],
  [/has no decision to review/, () => "This request has not been decided yet, so there is nothing to review."],
  [
    /nothing to approve for disclosure/,
    () =>
      "The decision in force discloses nothing, so there is nothing to approve. Reject the request, or recommend rejection.",
  ],
  [
    /has already approved this decision/,
    () => "You have already approved this request. The second approval must come from someone else.",
  ],
  [
    /needs two people/,
    () =>
      "This request needs two people: a reviewer's recommendation to approve, then counsel's approval by someone else. Nobody else has recommended approval yet.",
  ],
  [
    /only after a recorded call-back/,
    () => "An emergency is approved only after intake has called the agency back and recorded the call.",
  ],
  [
    /whoever made the emergency call-back/,
    () => "You made the call-back for this emergency, so someone else must approve the disclosure.",
  ],
];

/** The desk's review form (review-form.tsx), its paths the form's: `review.legality`, `review.verdict`. */
const reviewSentence: Sentences = (p) => {
  const field = p.path.replace(/^review\.?/, "");
  if (field === "") {
    for (const [pattern, say] of REVIEW_REFUSALS) {
      const m = pattern.exec(p.message);
      if (m) return say(m);
    }
    return undefined;
  }
  if (field === "verdict") return "Choose your verdict";
  const item = CHECK_ITEMS.find((i) => field === i || field === `${i}Note`);
  if (item) {
    const name = ITEM_NAME[item];
    if (field === item) return `Say whether ${name} is met or not met`;
    return /required/.test(p.message) ? `Say why ${name} is not met` : undefined;
  }
  if (field === "humanRightsRisk") return "Choose the human-rights risk of the jurisdiction: low, medium or high";
  if (field === "humanRightsRiskNote" && /required/.test(p.message)) {
    const why = /earlier review/.test(p.message)
      ? "An earlier review found the human-rights risk high"
      : "The human-rights risk is high";
    const whose = /counsel's/.test(p.message) ? "counsel's" : "a";
    return `${why}: give ${whose} reasoned note on why disclosure is still justified, in at least ${HIGH_RISK_REASONING_MIN} characters`;
  }
  return undefined;
};

/** What the publication service says when a draft or an approval cannot be taken, for the person at the desk. */
const PUBLICATION_REFUSALS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  [
    /is (\w+): a demand is published only once it has been answered/,
    (m) =>
      `This request has not been answered yet (it is ${(m[1] ?? "").replace("_", " ")}), so it cannot be published. Nothing was saved.`,
  ],
  [
    /national-security process with no recorded end to its gag/,
    () => "This is a national-security request with no recorded end to its gag: it may never be published.",
  ],
  [
    /under a non-disclosure order until (\S+): it may be published from (\S+)/,
    (m) =>
      `A non-disclosure order is in force until ${m[1]}: this demand may be published from ${m[2]}. Nothing was saved.`,
  ],
  [
    /was approved on (\d{4}-\d{2}-\d{2})\S*; it is not redrafted/,
    (m) => `This publication was approved on ${m[1]} and is public: it is not redrafted.`,
  ],
  [/has no drafted publication to approve/, () => "There is no draft of this publication to approve."],
  [/publication is already approved/, () => "This publication is already approved: it is public at /reports/demands."],
  [
    /who drafted a publication may not approve it/,
    () =>
      "You drafted the version of this publication now in the draft, so another member of counsel must approve it. Nothing was published.",
  ],
  [/"(\w+)" is redacted twice/, () => "Each field is withheld once: untick the second."],
];

/** A publishable field as the desk's sentences and labels name it ("Withhold the agency's reference"). */
export const PUBLICATION_FIELD_NAMES: Record<string, string> = {
  agency: "the agency",
  reference: "the agency's reference",
  jurisdiction: "the jurisdiction",
  process: "the legal process",
  instrument: "the instrument",
  issuedBy: "who issued it",
  receivedAt: "the day received",
  categories: "the data asked for",
  dateRange: "the period asked for",
  nonDisclosureUntil: "the non-disclosure order's end",
  outcome: "the outcome",
};

/** The desk's publication forms (web/publication.tsx): `publication.reason_reference`, `approval.version`. */
const publicationSentence: Sentences = (p) => {
  const field = /\.reason_(\w+)$/.exec(p.path)?.[1];
  if (field) return `Say why ${PUBLICATION_FIELD_NAMES[field] ?? field} is withheld, in 500 characters or fewer`;
  if (/\.summary$/.test(p.path)) return "Write the summary in 4,000 characters or fewer";
  if (/\.version$/.test(p.path)) {
    const now = /at version (\d+)/.exec(p.message)?.[1];
    return `The draft has changed since you read it${now ? ` (it is now version ${now})` : ""}: read it again below before approving. Nothing was published.`;
  }
  for (const [pattern, say] of PUBLICATION_REFUSALS) {
    const m = pattern.exec(p.message);
    if (m) return say(m);
  }
  return undefined;
};

export const SENTENCES = {
  request: requestSentence,
  review: reviewSentence,
  publication: publicationSentence,
} as const;

function capital(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export function inSentences(problems: readonly Problem[], sentence: Sentences = SENTENCES.request): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of problems) {
    if (seen.has(p.path)) continue;
    seen.add(p.path);
    out.push({ ...p, message: sentence(p) ?? capital(p.message) });
  }
  return out;
}
