/**
 * The decision engine, docs/decision.md (contract): `decide(request, policy) → decision`.
 *
 * Pure: no I/O, no clock, no environment. A policy document is compiled once (`compilePolicy`) into
 * lookup tables, so deciding a request allocates nothing for the policy: per request it resolves the
 * jurisdiction with one map lookup and computes one verdict per category, and every target shares
 * those verdicts (the decision never depends on which account is named, only on what is asked and how).
 */
import { countryCodes, countryOf } from "../domain/jurisdictions.js";
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import type { RequestDocument } from "../domain/request.schema.js";
import { targetKey } from "../domain/request.schema.js";
import {
  type AuthorityKind,
  CATEGORIES,
  type Category,
  EU_DATA_CATEGORIES,
  type EuDataCategory,
  PROCESSES,
  type Process,
  processRank,
  processSatisfies,
  TIER_LABEL,
  TIERS,
  type Tier,
  tierOf,
} from "../domain/vocabulary.js";
import { DAY_MS } from "../shared/time.js";
import type { EmergencyPolicy, JurisdictionEntry, JurisdictionStatus, PolicyDocument } from "./policy.schema.js";

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

interface Verdict {
  action: Action;
  rule: string;
  reason: string;
  refusal?: Refusal;
}

interface CompiledEu {
  /** The EU category each of the policy's categories falls into, and the policy line that says so. */
  categoryOf: ReadonlyMap<Category, { euCategory: EuDataCategory; source: string }>;
}

interface TierAccess {
  /** Processes that unlock the tier, closed upwards along the compulsory-process ladder. */
  unlocks: ReadonlySet<Process>;
  /** The processes the policy names, for telling a person what would have been needed. */
  listed: readonly Process[];
  source: string;
}

interface CompiledEmergency {
  tiers: ReadonlySet<Tier>;
  requireVerified: boolean;
  source: string;
}

interface CompiledRule {
  id: string;
  source: string;
  process: Process | undefined;
  findings: readonly string[];
  jurisdictions: ReadonlySet<string> | undefined;
  grant: ReadonlySet<Category>;
}

interface ResolvedJurisdiction {
  code: string;
  status: JurisdictionStatus;
  statusSource: string;
  since: string | undefined;
  statusReason: string | undefined;
  allowEmergency: boolean;
  access: Record<Tier, TierAccess>;
  emergency: CompiledEmergency | null;
  humanRightsReview: boolean;
  rules: readonly CompiledRule[];
}

interface HeldCategory {
  held: boolean;
  e2ee: boolean;
  retentionDays: number | undefined;
}

export interface CompiledPolicy {
  readonly name: string;
  readonly version: string;
  readonly document: PolicyDocument;
  readonly dataMap: Readonly<Record<Category, HeldCategory>>;
  readonly jurisdictions: ReadonlyMap<string, ResolvedJurisdiction>;
  readonly fallback: ResolvedJurisdiction;
  /** regimes.eu_e_evidence, or null when the policy takes no EU orders. */
  readonly eu: CompiledEu | null;
}

function compileEu(doc: PolicyDocument): CompiledEu | null {
  const eu = doc.regimes?.eu_e_evidence;
  if (!eu) return null;
  const categoryOf = new Map<Category, { euCategory: EuDataCategory; source: string }>();
  for (const euCategory of EU_DATA_CATEGORIES) {
    for (const category of eu.categories[euCategory]) {
      categoryOf.set(category, { euCategory, source: `regimes.eu_e_evidence.categories.${euCategory}` });
    }
  }
  return { categoryOf };
}

function closeUpwards(listed: readonly Process[]): Set<Process> {
  const unlocks = new Set<Process>();
  for (const process of PROCESSES) {
    if (listed.some((required) => processSatisfies(process, required))) unlocks.add(process);
  }
  return unlocks;
}

function compileEmergency(emergency: EmergencyPolicy | null | undefined, source: string): CompiledEmergency | null {
  if (!emergency) return null;
  return { tiers: new Set(emergency.tiers), requireVerified: emergency.requireVerified, source };
}

/**
 * Merge the entries that apply to a jurisdiction, most specific first: `US-CA`, then `US`, then `*`.
 * Each field is taken from the most specific entry that sets it; legalProcess is merged per tier.
 */
function resolveJurisdiction(doc: PolicyDocument, code: string, rules: readonly CompiledRule[]): ResolvedJurisdiction {
  const country = countryOf(code);
  const chain: Array<[string, JurisdictionEntry]> = [];
  for (const key of code === country ? [code, "*"] : [code, country, "*"]) {
    const entry = doc.jurisdictions[key];
    if (entry) chain.push([key, entry]);
  }
  const pick = <K extends keyof JurisdictionEntry>(field: K) => {
    for (const [key, entry] of chain) {
      if (entry[field] !== undefined) return { key, value: entry[field] as NonNullable<JurisdictionEntry[K]> | null };
    }
    return undefined;
  };

  const status = pick("status");
  const statusKey = status?.key;
  const statusEntry = statusKey === undefined ? undefined : doc.jurisdictions[statusKey];

  const access = {} as Record<Tier, TierAccess>;
  for (const tier of TIERS) {
    let listed: readonly Process[] = doc.legalProcess[tier] ?? [];
    let source = `legalProcess.${tier}`;
    for (const [key, entry] of chain) {
      const override = entry.legalProcess?.[tier];
      if (override) {
        listed = override;
        source = `jurisdictions.${key}.legalProcess.${tier}`;
        break;
      }
    }
    access[tier] = { unlocks: closeUpwards(listed), listed, source };
  }

  const emergencyOverride = pick("emergency");
  const emergency =
    emergencyOverride === undefined
      ? compileEmergency(doc.emergency, "emergency")
      : compileEmergency(
          emergencyOverride.value as EmergencyPolicy | null,
          `jurisdictions.${emergencyOverride.key}.emergency`,
        );

  const reviewed = new Set(doc.humanRightsReview);
  return {
    code,
    status: (status?.value as JurisdictionStatus | undefined) ?? "active",
    statusSource: statusKey === undefined ? "jurisdictions" : `jurisdictions.${statusKey}`,
    since: statusEntry?.since,
    statusReason: statusEntry?.reason,
    allowEmergency: (pick("allowEmergency")?.value as boolean | undefined) ?? false,
    access,
    emergency,
    humanRightsReview: reviewed.has(code) || reviewed.has(country),
    rules: rules.filter(
      (rule) => !rule.jurisdictions || rule.jurisdictions.has(code) || rule.jurisdictions.has(country),
    ),
  };
}

/** Compile a validated policy document into the tables `decide` reads. Done once per policy version. */
export function compilePolicy(doc: PolicyDocument): CompiledPolicy {
  const dataMap = {} as Record<Category, HeldCategory>;
  for (const category of CATEGORIES) {
    const entry = doc.dataMap[category];
    dataMap[category] = entry
      ? { held: true, e2ee: entry.e2ee, retentionDays: entry.retentionDays }
      : { held: false, e2ee: false, retentionDays: undefined };
  }
  const rules: CompiledRule[] = doc.rules.map((rule) => ({
    id: rule.id,
    source: `rules.${rule.id}`,
    process: rule.when.process,
    findings: rule.when.findings ?? [],
    jurisdictions: rule.when.jurisdictions ? new Set(rule.when.jurisdictions) : undefined,
    grant: new Set(rule.grant),
  }));

  // Every country, and every subdivision the policy names, is resolved now; a subdivision the policy
  // does not name decides exactly as its country does.
  const codes = new Set<string>(countryCodes());
  for (const key of Object.keys(doc.jurisdictions)) if (key !== "*") codes.add(key);
  for (const code of doc.humanRightsReview) codes.add(code);
  for (const rule of doc.rules) for (const code of rule.when.jurisdictions ?? []) codes.add(code);
  const jurisdictions = new Map<string, ResolvedJurisdiction>();
  for (const code of codes) jurisdictions.set(code, resolveJurisdiction(doc, code, rules));

  return {
    name: doc.name,
    version: doc.version,
    document: doc,
    dataMap,
    jurisdictions,
    fallback: resolveJurisdiction(doc, "*", rules),
    eu: compileEu(doc),
  };
}

export function lookupJurisdiction(policy: CompiledPolicy, code: string): ResolvedJurisdiction {
  return policy.jurisdictions.get(code) ?? policy.jurisdictions.get(countryOf(code)) ?? policy.fallback;
}

function isVerifiedEmergency(request: DecisionInput): boolean {
  return request.process === "emergency" && request.emergency?.verified === true;
}

function ruleMatches(rule: CompiledRule, request: DecisionInput): boolean {
  if (rule.process !== undefined && !processSatisfies(request.process, rule.process)) return false;
  for (const finding of rule.findings) if (!request.findings.includes(finding)) return false;
  return true;
}

function describeNeeded(access: TierAccess): string {
  if (access.listed.length === 0) return "no legal process";
  // The weakest listed rung is what it would have taken; off-ladder channels are named as they are.
  const ladder = access.listed.filter((p) => processRank(p) >= 0).sort((a, b) => processRank(a) - processRank(b));
  const others = access.listed.filter((p) => processRank(p) < 0);
  const options = [...(ladder.length > 0 ? [ladder[0] as Process] : []), ...others];
  return options.join(" or ");
}

function describeRule(rule: CompiledRule): string {
  return [rule.process, ...rule.findings.map((f) => `finding ${f}`)].filter(Boolean).join(" with ");
}

/** True when the whole requested period ended before the category's retention window began. */
function pastRetention(request: DecisionInput, retentionDays: number | undefined): boolean {
  if (retentionDays === undefined || !request.dateRange) return false;
  const received = Date.parse(request.receivedAt);
  const periodEnd = Date.parse(`${request.dateRange.to}T23:59:59.999Z`);
  return periodEnd < received - retentionDays * DAY_MS;
}

type EuOrder = NonNullable<DecisionInput["legalBasis"]>;

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
function euEntitlement(order: EuOrder, policy: CompiledPolicy, category: Category): Verdict | undefined {
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
function euVerdict(order: EuOrder, policy: CompiledPolicy, category: Category): Verdict {
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

/** The steps of docs/decision.md for one category; the same verdict holds for every target of the request. */
function decideCategory(
  request: DecisionInput,
  policy: CompiledPolicy,
  jurisdiction: ResolvedJurisdiction,
  category: Category,
  granted: ReadonlyMap<Category, CompiledRule>,
  euOrder: EuOrder | undefined,
): Verdict {
  const tier = tierOf(category);
  const process = request.process;

  // 1. The jurisdiction's standing comes before anything the request asks.
  if (jurisdiction.status === "paused" && !(jurisdiction.allowEmergency && isVerifiedEmergency(request))) {
    const since = jurisdiction.since ? ` since ${jurisdiction.since}` : "";
    const why = jurisdiction.statusReason ? ` (${jurisdiction.statusReason})` : "";
    return {
      action: "hold",
      rule: jurisdiction.statusSource,
      reason: `${request.jurisdiction} is paused${since}${why}: recorded and counted, nothing decided or disclosed until the pause is lifted`,
    };
  }
  if (jurisdiction.status === "refused") {
    const why = jurisdiction.statusReason ? `: ${jurisdiction.statusReason}` : "";
    return {
      action: "withhold",
      rule: jurisdiction.statusSource,
      reason: `requests from ${request.jurisdiction} are refused${why}`,
    };
  }
  // A requester Custodian could not attribute to a verified agency gets nothing, not even word of
  // what exists: forged requests are answered with nothing.
  if (!request.agency.verified) {
    return {
      action: "withhold",
      rule: "agency.verified",
      reason: "the requesting agency is not verified; nothing is produced for an unattributed request",
    };
  }
  // An EU order the Regulation does not entitle to a category is refused before anything is said of
  // what is held (docs/regimes.md#the-decision).
  if (euOrder) {
    const refused = euEntitlement(euOrder, policy, category);
    if (refused) return refused;
  }

  // 2. What the provider does not hold, or holds only as ciphertext, cannot be produced.
  const held = policy.dataMap[category];
  if (!held.held) {
    return { action: "unavailable", rule: "dataMap", reason: `${category} is not held (absent from the data map)` };
  }
  if (held.e2ee) {
    return {
      action: "unavailable",
      rule: `dataMap.${category}.e2ee`,
      reason: `${category} is end-to-end encrypted: held only as ciphertext, it cannot be produced`,
    };
  }
  if (pastRetention(request, held.retentionDays)) {
    return {
      action: "unavailable",
      rule: `dataMap.${category}.retentionDays`,
      reason: `${category} is kept ${held.retentionDays} days; the requested period ended before that`,
    };
  }

  // An entitled EU order is decided by the Regulation, not by the US process ladder or the rules.
  if (euOrder) return euVerdict(euOrder, policy, category);

  // 3. Preservation keeps, never discloses.
  if (process === "preservation") {
    return {
      action: "preserve",
      rule: "process.preservation",
      reason: `preservation request: ${category} is kept as of receipt, nothing is disclosed`,
    };
  }

  // 4. Emergencies are answered only for the emergency tiers, and only once verified by call-back.
  if (process === "emergency") {
    const emergency = jurisdiction.emergency;
    if (!emergency) {
      return { action: "withhold", rule: "emergency", reason: "this policy answers no emergency requests" };
    }
    if (!emergency.tiers.has(tier)) {
      return {
        action: "withhold",
        rule: emergency.source,
        reason: `emergency requests are not answered for ${TIER_LABEL[tier]}`,
      };
    }
    if (emergency.requireVerified && request.emergency?.verified !== true) {
      return {
        action: "withhold",
        rule: `${emergency.source}.requireVerified`,
        reason: "the emergency has not been verified by a call-back to the agency",
      };
    }
    return {
      action: "disclose",
      rule: emergency.source,
      reason: `verified emergency: ${TIER_LABEL[tier]} may be disclosed`,
    };
  }

  // 5. The legal process the request carries, against what the tier needs here.
  const access = jurisdiction.access[tier];
  if (access.unlocks.has(process)) {
    const weakest = access.listed.filter((p) => processRank(p) >= 0).sort((a, b) => processRank(a) - processRank(b))[0];
    const weakerListed = access.listed.includes(process) ? "" : ` (stronger than ${weakest}, which suffices)`;
    return { action: "disclose", rule: access.source, reason: `${process} unlocks ${TIER_LABEL[tier]}${weakerListed}` };
  }

  // 6. Exceptions that grant more.
  const rule = granted.get(category);
  if (rule) {
    return {
      action: "disclose",
      rule: rule.source,
      reason: `rule ${rule.id} grants ${category} on ${describeRule(rule)}`,
    };
  }

  // 7. Otherwise nothing, saying what it would have taken (by legalProcess, or by a rule's exception).
  const byProcess =
    access.listed.length === 0
      ? `no legal process unlocks ${TIER_LABEL[tier]} under this policy`
      : `${TIER_LABEL[tier]} need ${describeNeeded(access)}; ${process} is not enough`;
  const exceptions = jurisdiction.rules
    .filter((r) => r.grant.has(category))
    .map((r) => `rule ${r.id} grants it on ${describeRule(r)}`);
  return {
    action: "withhold",
    rule: access.source,
    reason: exceptions.length > 0 ? `${byProcess}; ${exceptions.join("; ")}` : byProcess,
  };
}

function outcomeOf(counts: Record<Action, number>, total: number): Outcome {
  if (counts.hold > 0) return "hold";
  if (counts.preserve > 0) return "preserve";
  if (counts.disclose === total) return "comply_full";
  if (counts.disclose > 0) return "comply_partial";
  if (counts.unavailable === total) return "no_data";
  return "reject";
}

export function decide(request: DecisionInput, policy: CompiledPolicy): Decision {
  const jurisdiction = lookupJurisdiction(policy, request.jurisdiction);
  const euOrder = request.legalBasis?.regime === "eu_e_evidence" ? request.legalBasis : undefined;

  const granted = new Map<Category, CompiledRule>();
  for (const rule of jurisdiction.rules) {
    if (!ruleMatches(rule, request)) continue;
    for (const category of rule.grant) if (!granted.has(category)) granted.set(category, rule);
  }

  const categories = request.categories;
  const verdicts: Verdict[] = new Array(categories.length);
  const counts: Record<Action, number> = { disclose: 0, withhold: 0, unavailable: 0, hold: 0, preserve: 0 };
  let disclosesContent = false;
  let refused = 0;
  for (let i = 0; i < categories.length; i++) {
    const category = categories[i] as Category;
    const verdict = decideCategory(request, policy, jurisdiction, category, granted, euOrder);
    verdicts[i] = verdict;
    counts[verdict.action]++;
    if (verdict.refusal) refused++;
    if (verdict.action === "disclose" && tierOf(category) === "content") disclosesContent = true;
  }

  const targets = request.targets;
  const items: DecisionItem[] = new Array(targets.length * categories.length);
  let n = 0;
  for (const target of targets) {
    const key = targetKey(target);
    for (let i = 0; i < categories.length; i++) {
      const verdict = verdicts[i] as Verdict;
      const item: DecisionItem = {
        target: key,
        category: categories[i] as Category,
        action: verdict.action,
        rule: verdict.rule,
        reason: verdict.reason,
      };
      if (verdict.refusal) item.refusal = verdict.refusal;
      items[n++] = item;
    }
  }

  const reviewReasons: string[] = [];
  if (refused > 0) {
    const articles = [...new Set(verdicts.flatMap((v) => (v.refusal ? [v.refusal.article] : [])))].join(", ");
    reviewReasons.push(
      `the order fails ${articles} of Regulation (EU) 2023/1543 for ${refused} of its categories: it must be answered on Annex III`,
    );
  }
  if (euOrder && !policy.eu) {
    reviewReasons.push("an EU order under a policy without regimes.eu_e_evidence needs counsel");
  }
  if (counts.disclose > 0) {
    if (disclosesContent) reviewReasons.push("content disclosure needs counsel approval");
    if (request.process === "emergency") reviewReasons.push("emergency disclosure needs counsel approval");
    if (jurisdiction.humanRightsReview) {
      reviewReasons.push(
        `disclosure in ${request.jurisdiction} needs counsel sign-off on the human-rights standards checklist`,
      );
    }
  }

  return {
    outcome: outcomeOf(counts, categories.length),
    policy: { name: policy.name, version: policy.version },
    needsReview: reviewReasons.length > 0,
    reviewReasons,
    humanRightsReview: jurisdiction.humanRightsReview,
    items,
  };
}
