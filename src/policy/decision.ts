/**
 * What the engine answers (docs/decision.md): the decision, its items and the refusals an order's regime
 * requires, and what the engine needs of a request to decide it.
 */
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import type { RequestDocument } from "../domain/request.schema.js";
import type { AuthorityKind, Category } from "../domain/vocabulary.js";

export const ACTIONS = ["disclose", "withhold", "unavailable", "hold", "preserve"] as const;
export type Action = (typeof ACTIONS)[number];

export const OUTCOMES = ["hold", "preserve", "comply_full", "comply_partial", "no_data", "reject"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why an order is refused: an Annex III ground of Regulation (EU) 2023/1543 (docs/regimes.md#refusals). */
export const REFUSAL_GROUNDS = ["issuing_authority", "offence_threshold"] as const;
export type RefusalGround = (typeof REFUSAL_GROUNDS)[number];

/**
 * An item the order was not entitled to, which must be answered to the issuing authority on the form the
 * regime gives (Annex III), not silently withheld.
 */
export interface Refusal {
  form: "annex_iii";
  ground: RefusalGround;
  /** The article the order fails, e.g. `Art. 5(4)`. */
  article: string;
}

export interface DecisionItem {
  target: string;
  category: Category;
  action: Action;
  /** Where in the policy (or the request) the deciding fact lives, e.g. `legalProcess.subscriber`. */
  rule: string;
  reason: string;
  /** Present on an item withheld because the order itself fails its regime's conditions. */
  refusal?: Refusal;
}

export interface Decision {
  outcome: Outcome;
  policy: { name: string; version: string };
  needsReview: boolean;
  reviewReasons: string[];
  /**
   * The request's jurisdiction is on the policy's `humanRightsReview` list: reviewers answer the standards
   * checklist knowing it, whether or not this decision discloses anything (then it is also a review reason).
   */
  humanRightsReview: boolean;
  items: DecisionItem[];
}

/** What the engine needs of a request: the request document's deciding fields, whichever edge it came through. */
export type DecisionInput = Pick<
  RequestDocument,
  "jurisdiction" | "process" | "findings" | "targets" | "categories" | "dateRange" | "receivedAt"
> & {
  agency: { verified: boolean };
  emergency?: { verified: boolean } | null | undefined;
  /** Absent or null: the `us` regime (docs/regimes.md). */
  legalBasis?:
    | (Pick<LegalBasis, "regime" | "instrument" | "emergency" | "offence"> & {
        issuingAuthority?: { kind: AuthorityKind } | undefined;
        validatingAuthority?: { kind: AuthorityKind } | undefined;
      })
    | null
    | undefined;
};

/** One category's answer, shared by every target of the request. */
export interface Verdict {
  action: Action;
  rule: string;
  reason: string;
  refusal?: Refusal;
}
