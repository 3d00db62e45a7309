/**
 * Regulation (EU) 2023/1543 (European Production and Preservation Orders) as a decision axis of the pure
 * engine: who may issue an order for which of the Regulation's four categories (Art. 4), for which offences
 * (Art. 5), and what an entitled order gets (docs/regimes.md).
 */
import type { AuthorityKind, Category, EuDataCategory } from "../domain/vocabulary.js";
import type { CompiledPolicy } from "./compile.js";
import type { DecisionInput, Verdict } from "./decision.js";

export type EuOrder = NonNullable<DecisionInput["legalBasis"]>;

const EU_CATEGORY_LABEL: Record<EuDataCategory, string> = {
  subscriber: "subscriber data (Art. 3(9))",
  identification: "data for identifying the user (Art. 3(10))",
  traffic: "traffic data (Art. 3(11))",
  content: "content data (Art. 3(12))",
};

const JUDICIAL: ReadonlySet<AuthorityKind> = new Set(["judge", "court", "investigating_judge"]);
const JUDICIAL_OR_PROSECUTOR: ReadonlySet<AuthorityKind> = new Set([...JUDICIAL, "public_prosecutor"]);
// Art. 5(4)(b): listed offences open traffic and content data when committed by means of an information
// system; (c): terrorism offences, however committed.
const LISTED_IF_BY_INFORMATION_SYSTEM: ReadonlySet<string> = new Set([
  "non_cash_payment_fraud",
  "child_sexual_abuse",
  "information_system_attack",
]);
const THRESHOLD_MONTHS = 36;

const AUTHORITY_TEXT: Record<AuthorityKind, string> = {
  judge: "a judge",
  court: "a court",
  investigating_judge: "an investigating judge",
  public_prosecutor: "a public prosecutor",
  other_competent_authority: "another competent authority",
};

function who(order: EuOrder): string {
  const issuer = order.issuingAuthority ? AUTHORITY_TEXT[order.issuingAuthority.kind] : "no named authority";
  const validator = order.validatingAuthority ? `, validated by ${AUTHORITY_TEXT[order.validatingAuthority.kind]}` : "";
  return `issued by ${issuer}${validator}`;
}

/**
 * Regulation (EU) 2023/1543 for one category of an EU order: whether the order is entitled to it (Art. 4:
 * who may issue it; Art. 5(4): for which offences), or which category of the Regulation it is not mapped to.
 * Undefined when the order may go on to the data map; a refusal is answered on Annex III.
 */
export function euEntitlement(order: EuOrder, policy: CompiledPolicy, category: Category): Verdict | undefined {
  if (!policy.eu) {
    return {
      action: "withhold",
      rule: "regimes",
      reason:
        "this policy takes no orders under Regulation (EU) 2023/1543 (it has no regimes.eu_e_evidence): counsel must decide the order",
    };
  }
  const placed = policy.eu.categoryOf.get(category);
  if (!placed) {
    return {
      action: "withhold",
      rule: "regimes.eu_e_evidence.categories",
      reason: `${category} is not placed in one of the four categories of Art. 3(9)-(12): counsel must place it before it can be produced`,
    };
  }
  const { euCategory, source } = placed;
  const issuer = order.issuingAuthority?.kind;
  const validator = order.validatingAuthority?.kind;
  const preservation = order.instrument !== "epoc";
  // Art. 4(1) and 4(3): a prosecutor may issue a production order for subscriber and identification data,
  // and a preservation order for any category; Art. 4(2): traffic and content need a judicial authority.
  const judicialOnly = !preservation && (euCategory === "traffic" || euCategory === "content");
  const competent = judicialOnly ? JUDICIAL : JUDICIAL_OR_PROSECUTOR;
  if (!((issuer && competent.has(issuer)) || (validator && competent.has(validator)))) {
    const article = preservation ? "Art. 4(3)" : judicialOnly ? "Art. 4(2)" : "Art. 4(1)";
    const needed = judicialOnly
      ? "a judge, court or investigating judge (issuing or validating)"
      : "a judge, court, investigating judge or public prosecutor (issuing or validating)";
    return {
      action: "withhold",
      rule: source,
      reason: `${order.instrument} ${who(order)}: ${EU_CATEGORY_LABEL[euCategory]} need ${needed} (${article}); refused on Annex III`,
      refusal: { form: "annex_iii", ground: "issuing_authority", article },
    };
  }
  if (judicialOnly) {
    const offence = order.offence;
    const months = offence?.maximumSentenceMonths ?? 0;
    const listed =
      offence !== undefined &&
      (offence.category === "terrorism" ||
        (LISTED_IF_BY_INFORMATION_SYSTEM.has(offence.category) && offence.byInformationSystem));
    if (months < THRESHOLD_MONTHS && !listed) {
      return {
        action: "withhold",
        rule: source,
        reason: `${EU_CATEGORY_LABEL[euCategory]} may be ordered only for an offence with a maximum sentence of at least 3 years or a listed offence (Art. 5(4)); this one carries ${months} months (${offence?.category ?? "no offence given"}); refused on Annex III`,
        refusal: { form: "annex_iii", ground: "offence_threshold", article: "Art. 5(4)" },
      };
    }
  }
  return undefined;
}

/** What an entitled EU order gets of a held category: kept on a preservation order, produced on an EPOC. */
export function euVerdict(order: EuOrder, policy: CompiledPolicy, category: Category): Verdict {
  const placed = policy.eu?.categoryOf.get(category) as { euCategory: EuDataCategory; source: string };
  const label = EU_CATEGORY_LABEL[placed.euCategory];
  if (order.instrument !== "epoc") {
    return {
      action: "preserve",
      rule: placed.source,
      reason: `${order.instrument} ${who(order)}: ${label} kept as of receipt (Art. 11), nothing is disclosed`,
    };
  }
  const condition =
    placed.euCategory === "subscriber" || placed.euCategory === "identification"
      ? "any criminal offence (Art. 5(3))"
      : "an offence meeting Art. 5(4)";
  return {
    action: "disclose",
    rule: placed.source,
    reason: `epoc ${who(order)} (Art. 4) for ${condition}: ${label} may be produced`,
  };
}
