import type { DecisionItem } from "../policy/engine.js";

/**
 * The forms a provider sends the authority behind a request (docs/regimes.md#replies-to-authorities), built
 * as plain JSON from what Custodian holds: pure, so the same facts always give the same form, and the PDF
 * (form.pdf.ts) is only a rendering of it.
 */

export const OUTBOUND_KINDS = [
  "acknowledgement",
  "preservation_acknowledgement",
  "annex_iii",
  "production_notice",
] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];
export type MessageKind = OutboundKind | "clarification_answer";

/**
 * The reasons Annex III of Regulation (EU) 2023/1543 offers for not executing an order or asking about it,
 * and `other` for what its boxes do not name (an offence outside Art. 5(4)), explained in words.
 */
export const ANNEX_III_REASONS = [
  "incomplete",
  "manifest_errors",
  "insufficient_information",
  "data_not_stored",
  "de_facto_impossibility",
  "not_competent_authority",
  "immunities_or_press_freedom",
  "third_country_law",
  "other",
] as const;
export type AnnexIIIReason = (typeof ANNEX_III_REASONS)[number];

export const ANNEX_III_REASON_TEXT: Record<AnnexIIIReason, string> = {
  incomplete: "The certificate is incomplete",
  manifest_errors: "The certificate contains manifest errors",
  insufficient_information: "The certificate does not contain sufficient information to execute it",
  data_not_stored: "The data requested were not stored when the certificate was received",
  de_facto_impossibility: "Execution is impossible de facto, for circumstances not attributable to the provider",
  not_competent_authority: "The order was not issued or validated by an authority competent for it",
  immunities_or_press_freedom: "The data are protected by immunities or privileges, or by rules on press freedom",
  third_country_law: "Compliance would conflict with the applicable law of a third country (Art. 17)",
  other: "Other",
};

export const MESSAGE_TITLES: Record<MessageKind, string> = {
  acknowledgement: "Acknowledgement of receipt",
  preservation_acknowledgement: "Acknowledgement of preservation",
  annex_iii: "Annex III: information on the inability to execute",
  production_notice: "Notice of production",
  clarification_answer: "Answer to a request for clarification",
};

export interface AnnexIIIReasonEntry {
  code: AnnexIIIReason;
  text: string;
  explanation?: string | undefined;
  /** The targets and categories the reason concerns, where it does not concern the whole order. */
  items?: Array<{ target: string; category: string }> | undefined;
}

/** What the form says of its request, in every form: the order it answers, as the authority filed it. */
export interface FormRequest {
  id: string;
  reference: string;
  agency: string;
  jurisdiction: string;
  regime: string;
  instrument: string | null;
  receivedAt: string;
  issuingAuthority?: { name: string; kind: string; fileNumber?: string | undefined } | undefined;
}

interface FormHeader {
  title: string;
  provider: string;
  request: FormRequest;
  sentAt: string;
  sentBy: string;
}

export type OutboundForm =
  | (FormHeader & { form: "acknowledgement"; receivedAt: string })
  | (FormHeader & {
      form: "preservation_acknowledgement";
      holds: Array<{ id: string; status: string; expiresAt: string }>;
    })
  | (FormHeader & {
      form: "annex_iii";
      purpose: "inability_to_execute" | "clarification";
      reasons: AnnexIIIReasonEntry[];
      question?: string | undefined;
      /** Annex III: where possible, the data are preserved while the matter is settled. */
      dataPreserved: boolean;
      /** A clarification stops the answer clock until the authority answers. */
      clockPaused: boolean;
      /** A conflict-of-laws objection on an EU order: due within 10 days of receipt (Art. 17(1)), and whether it was. */
      objection?: { article: string; dueBy: string; inTime: boolean } | undefined;
    })
  | (FormHeader & {
      form: "production_notice";
      productions: Array<{ id: string; sealedAt: string | null; files: number; downloadUntil: string | null }>;
    });

/**
 * The Annex III reasons the decision in force already gives: items the policy finds not held, end-to-end
 * encrypted or past retention are "data not stored"; items refused because of who issued the order are
 * "not issued by a competent authority"; an offence outside Art. 5(4) has no box of its own, so `other`,
 * citing the article. The engine's reasons are not copied: they name the provider's policy lines.
 */
export function annexIIIReasonsFromDecision(items: readonly DecisionItem[]): AnnexIIIReasonEntry[] {
  const reasons: AnnexIIIReasonEntry[] = [];
  const itemsWhere = (keep: (item: DecisionItem) => boolean) =>
    items.filter(keep).map((item) => ({ target: item.target, category: item.category }));
  const notStored = itemsWhere((item) => item.action === "unavailable");
  if (notStored.length > 0) {
    reasons.push({ code: "data_not_stored", text: ANNEX_III_REASON_TEXT.data_not_stored, items: notStored });
  }
  const byAuthority = items.filter((item) => item.refusal?.ground === "issuing_authority");
  if (byAuthority.length > 0) {
    const articles = [...new Set(byAuthority.map((item) => item.refusal?.article))].sort().join(", ");
    reasons.push({
      code: "not_competent_authority",
      text: ANNEX_III_REASON_TEXT.not_competent_authority,
      explanation: `${articles} Regulation (EU) 2023/1543: these data need a judge, court or investigating judge, issuing or validating`,
      items: byAuthority.map((item) => ({ target: item.target, category: item.category })),
    });
  }
  const byOffence = items.filter((item) => item.refusal?.ground === "offence_threshold");
  if (byOffence.length > 0) {
    reasons.push({
      code: "other",
      text: ANNEX_III_REASON_TEXT.other,
      explanation:
        "Art. 5(4) Regulation (EU) 2023/1543: traffic and content data only for an offence punishable by at least 3 years or a listed offence",
      items: byOffence.map((item) => ({ target: item.target, category: item.category })),
    });
  }
  return reasons;
}

/** The staff's own reasons first, then those the decision gives, each code once (the staff's wins). */
export function mergeReasons(
  given: ReadonlyArray<{ code: AnnexIIIReason; explanation?: string | undefined }>,
  derived: readonly AnnexIIIReasonEntry[],
): AnnexIIIReasonEntry[] {
  const merged: AnnexIIIReasonEntry[] = given.map((reason) => ({
    code: reason.code,
    text: ANNEX_III_REASON_TEXT[reason.code],
    explanation: reason.explanation,
    items: derived.find((d) => d.code === reason.code)?.items,
  }));
  for (const reason of derived) if (!merged.some((m) => m.code === reason.code)) merged.push(reason);
  return merged;
}
