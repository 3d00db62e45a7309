/**
 * The decision engine, docs/decision.md (contract): `decide(request, policy) → decision`.
 *
 * Pure: no I/O, no clock, no environment. A policy document is compiled once (`compilePolicy`) into
 * lookup tables, so deciding a request allocates nothing for the policy: per request it resolves the
 * jurisdiction with one map lookup and computes one verdict per category, and every target shares
 * those verdicts (the decision never depends on which account is named, only on what is asked and how).
 */
import { countryCodes, countryOf } from "../domain/jurisdictions.js";
import type { RequestDocument } from "../domain/request.schema.js";
import { targetKey } from "../domain/request.schema.js";
import {
  CATEGORIES,
  type Category,
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

export interface DecisionItem {
  target: string;
  category: Category;
  action: Action;
  /** Where in the policy (or the request) the deciding fact lives, e.g. `legalProcess.subscriber`. */
  rule: string;
  reason: string;
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
};

interface Verdict {
  action: Action;
  rule: string;
  reason: string;
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

/** The steps of docs/decision.md for one category; the same verdict holds for every target of the request. */
function decideCategory(
  request: DecisionInput,
  policy: CompiledPolicy,
  jurisdiction: ResolvedJurisdiction,
  category: Category,
  granted: ReadonlyMap<Category, CompiledRule>,
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

  const granted = new Map<Category, CompiledRule>();
  for (const rule of jurisdiction.rules) {
    if (!ruleMatches(rule, request)) continue;
    for (const category of rule.grant) if (!granted.has(category)) granted.set(category, rule);
  }

  const categories = request.categories;
  const verdicts: Verdict[] = new Array(categories.length);
  const counts: Record<Action, number> = { disclose: 0, withhold: 0, unavailable: 0, hold: 0, preserve: 0 };
  let disclosesContent = false;
  for (let i = 0; i < categories.length; i++) {
    const category = categories[i] as Category;
    const verdict = decideCategory(request, policy, jurisdiction, category, granted);
    verdicts[i] = verdict;
    counts[verdict.action]++;
    if (verdict.action === "disclose" && tierOf(category) === "content") disclosesContent = true;
  }

  const targets = request.targets;
  const items: DecisionItem[] = new Array(targets.length * categories.length);
  let n = 0;
  for (const target of targets) {
    const key = targetKey(target);
    for (let i = 0; i < categories.length; i++) {
      const verdict = verdicts[i] as Verdict;
      items[n++] = {
        target: key,
        category: categories[i] as Category,
        action: verdict.action,
        rule: verdict.rule,
        reason: verdict.reason,
      };
    }
  }

  const reviewReasons: string[] = [];
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
