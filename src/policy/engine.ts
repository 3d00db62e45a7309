/**
 * The decision engine, docs/decision.md (contract): `decide(request, policy) → decision`.
 *
 * Pure: no I/O, no clock, no environment. A policy document is compiled once (`compilePolicy`) into
 * lookup tables, so deciding a request allocates nothing for the policy: per request it resolves the
 * jurisdiction with one map lookup and computes one verdict per category, and every target shares
 * those verdicts (the decision never depends on which account is named, only on what is asked and how).
 */
import { targetKey } from "../domain/request.schema.js";
import {
  type Category,
  type Process,
  processRank,
  processSatisfies,
  TIER_LABEL,
  tierOf,
} from "../domain/vocabulary.js";
import { DAY_MS } from "../shared/time.js";
import {
  type CompiledPolicy,
  type CompiledRule,
  lookupJurisdiction,
  type ResolvedJurisdiction,
  type TierAccess,
} from "./compile.js";
import type { Action, Decision, DecisionInput, DecisionItem, Outcome, Verdict } from "./decision.js";
import { type EuOrder, euEntitlement, euVerdict } from "./eu-regime.js";

// The engine's one public module: callers import the contract and the compiler from here.
export { type CompiledPolicy, compilePolicy, lookupJurisdiction } from "./compile.js";
export {
  ACTIONS,
  type Action,
  type Decision,
  type DecisionInput,
  type DecisionItem,
  OUTCOMES,
  type Outcome,
  REFUSAL_GROUNDS,
  type Refusal,
  type RefusalGround,
} from "./decision.js";

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
