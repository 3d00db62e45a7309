import { z } from "zod";
import { quoted } from "../shared/validation.js";
import type { OffenceCategory } from "./vocabulary.js";

/**
 * What the Digital Services Act's transparency report (Art. 15(1)(a)) counts orders to provide information
 * by: the category of illegal content concerned and the issuing Member State. The categories are those of
 * the Commission Implementing Regulation (EU) 2024/2835, Annex I (the harmonised template), "Categories of
 * illegal content / incompatible with the terms and conditions": the statement-of-reasons taxonomy's
 * top-level `STATEMENT_CATEGORY_*` codes. Category 15 (`STATEMENT_CATEGORY_OTHER_VIOLATION_TC`, terms and
 * conditions only) cannot be an order's, and category 17 is a notifier's, not an authority's; category 16,
 * `STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER`, is where an order counts whose authority did not say.
 */
export const DSA_CATEGORIES = [
  "STATEMENT_CATEGORY_ANIMAL_WELFARE",
  "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
  "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
  "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
  "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
  "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
  "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
  "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
  "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
  "STATEMENT_CATEGORY_SELF_HARM",
  "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
  "STATEMENT_CATEGORY_VIOLENCE",
  "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER",
] as const;
export type DsaCategory = (typeof DSA_CATEGORIES)[number];

/** An order whose category nobody recorded counts here (the template's category 16). */
export const DSA_NOT_SPECIFIED: DsaCategory = "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER";

export const dsaCategorySchema = z.enum(DSA_CATEGORIES, {
  error: (issue) =>
    `unknown category of illegal content ${quoted(issue.input)} (one of the Implementing Regulation (EU) 2024/2835 template's: ${DSA_CATEGORIES.join(", ")})`,
});

/**
 * The template's category for an EU order's offence (Regulation (EU) 2023/1543 Art. 5(4)), where one
 * follows: child sexual abuse is the template's 9b under protection of minors, non-cash payment fraud 11
 * (scams and fraud), terrorism 10d (terrorist content) under risk for public security. An attack on an
 * information system and `other` name no content category: staff set one, or the order counts as not
 * specified.
 */
const OFFENCE_TO_DSA: Partial<Record<OffenceCategory, DsaCategory>> = {
  child_sexual_abuse: "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
  non_cash_payment_fraud: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
  terrorism: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
};

export function dsaCategoryOfOffence(offence: OffenceCategory | undefined): DsaCategory | undefined {
  return offence === undefined ? undefined : OFFENCE_TO_DSA[offence];
}
