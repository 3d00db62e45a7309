/**
 * The enforcing State of an EU production order (Art. 8, 10(2), 10(4), 12 Regulation (EU) 2023/1543;
 * docs/regimes.md#the-enforcing-state), as a pure function of what is recorded and the moment asked: may
 * one EU category of the order leave now, wait, or not at all. Fulfilment asks it once, where a production
 * starts (fulfilment/production.start.ts); the desk and the API show the same answers.
 */
import {
  ENFORCING_GROUNDS,
  type EnforcingAnswerKind,
  type EnforcingGround,
  type EuDataCategory,
  NOTIFIED_EU_CATEGORIES,
} from "../domain/vocabulary.js";

export interface EnforcingAnswer {
  kind: EnforcingAnswerKind;
  grounds: readonly string[];
  /** The EU categories a refusal or objection concerns (traffic, content). */
  categories: readonly string[];
  conditions: string | null;
  answeredAt: Date;
  inTime: boolean;
  afterDelivery: boolean;
}

export interface EnforcingState {
  enforcingState: string;
  notifiedAt: Date;
  /** The end of the enforcing authority's window (clocks.ts enforcingObjectionWindow). */
  windowClosesAt: Date;
  emergency: boolean;
  answers: readonly EnforcingAnswer[];
}

export type EnforcingRelease =
  | { release: true }
  | { release: false; waitUntil: Date; reason: string }
  | { release: false; waitUntil: null; reason: string; grounds: readonly string[] };

const GROUND_TEXT: Record<EnforcingGround, string> = {
  immunities_or_privileges: "immunities or privileges of the enforcing State",
  press_freedom: "rules on freedom of the press or of expression",
  fundamental_rights: "a manifest breach of a fundamental right (Art. 6 TEU, the Charter)",
  ne_bis_in_idem: "ne bis in idem",
  double_criminality: "the conduct is no offence in the enforcing State",
};

/** A ground for a person: `immunities or privileges of the enforcing State (Art. 12(1)(a))`. */
export function describeGround(ground: string): string {
  const known = ground as EnforcingGround;
  return GROUND_TEXT[known] ? `${GROUND_TEXT[known]} (${ENFORCING_GROUNDS[known]})` : ground;
}

export function isNotified(category: EuDataCategory | undefined): boolean {
  return category !== undefined && (NOTIFIED_EU_CATEGORIES as readonly string[]).includes(category);
}

/** The refusal or objection that bars a category, the first recorded. */
function barring(state: EnforcingState, category: EuDataCategory): EnforcingAnswer | undefined {
  return state.answers.find((a) => (a.kind === "refusal" || a.kind === "objection") && a.categories.includes(category));
}

/**
 * Whether data of one EU category may leave at `now`. Subscriber and identification data are never held
 * back (Art. 8(1) notifies traffic and content only). For traffic and content of a notified order:
 *  - a refusal or objection naming the category bars it, whenever it was recorded, emergency or not;
 *  - an emergency order is not suspended (Art. 8(4)): it leaves, and the answer is honoured when it comes;
 *  - any answer of the enforcing authority ends the wait (Art. 10(2): "no ground" confirmed early);
 *  - otherwise the data wait until the window has closed: the authority is in time at the moment it closes,
 *    so the data leave only after it.
 */
export function enforcingRelease(
  state: EnforcingState | null,
  category: EuDataCategory | undefined,
  now: Date,
): EnforcingRelease {
  if (!state || !category || !isNotified(category)) return { release: true };
  const barred = barring(state, category);
  if (barred) {
    return {
      release: false,
      waitUntil: null,
      grounds: barred.grounds,
      reason: `the enforcing authority of ${state.enforcingState} ${barred.kind === "refusal" ? "refused" : "objected to"} ${category} data on ${barred.grounds.map(describeGround).join("; ")}: not produced`,
    };
  }
  if (state.emergency || state.answers.length > 0) return { release: true };
  if (now.getTime() <= state.windowClosesAt.getTime()) {
    return {
      release: false,
      waitUntil: state.windowClosesAt,
      reason: `${category} data wait for the enforcing authority of ${state.enforcingState} until ${state.windowClosesAt.toISOString()} (Art. 10(2) Regulation (EU) 2023/1543), unless it answers "no ground" before`,
    };
  }
  return { release: true };
}

/** Of a delivered order: which categories the enforcing authority barred after they had left (the data may not be used). */
export function useBarredAfterDelivery(state: EnforcingState | null): string[] {
  if (!state) return [];
  const barred = new Set<string>();
  for (const a of state.answers) {
    if ((a.kind === "refusal" || a.kind === "objection") && a.afterDelivery)
      for (const c of a.categories) barred.add(c);
  }
  return [...barred].sort();
}

export interface GatedItem {
  target: string;
  category: string;
}

/**
 * The one gate of a production, over the `disclose` items of the decision approved: which items wait for
 * the enforcing State (the production may not start), and which are refused by it (left out, with why).
 * `euCategoryOf` places a policy category in the Regulation's four (the policy in force, else the item's rule).
 */
export function enforcingGate<T extends GatedItem>(
  state: EnforcingState | null,
  items: readonly T[],
  euCategoryOf: (item: T) => EuDataCategory | undefined,
  now: Date,
): { waiting: Array<T & { until: Date; reason: string }>; refused: Array<GatedItem & { reason: string }> } {
  const waiting: Array<T & { until: Date; reason: string }> = [];
  const refused: Array<GatedItem & { reason: string }> = [];
  for (const item of items) {
    const verdict = enforcingRelease(state, euCategoryOf(item), now);
    if (verdict.release) continue;
    if (verdict.waitUntil) waiting.push({ ...item, until: verdict.waitUntil, reason: verdict.reason });
    else refused.push({ target: item.target, category: item.category, reason: verdict.reason });
  }
  return { waiting, refused };
}

/** When the wait for the enforcing State ends for a production, or null when nothing waits now. */
export function waitEndsAt(state: EnforcingState | null, now: Date): Date | null {
  const verdict = enforcingRelease(state, "content", now);
  const traffic = enforcingRelease(state, "traffic", now);
  const ends = [verdict, traffic].flatMap((v) => (!v.release && v.waitUntil ? [v.waitUntil] : []));
  return ends.length > 0 ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null;
}
