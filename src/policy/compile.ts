/**
 * A policy document compiled once per version into the lookup tables `decide` reads: every jurisdiction
 * resolved (most specific entry first), each tier's unlocking processes closed upwards, the EU regime's
 * category placement. Pure, like the engine.
 */
import { countryCodes, countryOf } from "../domain/jurisdictions.js";
import {
  CATEGORIES,
  type Category,
  EU_DATA_CATEGORIES,
  type EuDataCategory,
  PROCESSES,
  type Process,
  processSatisfies,
  TIERS,
  type Tier,
} from "../domain/vocabulary.js";
import type { EmergencyPolicy, JurisdictionEntry, JurisdictionStatus, PolicyDocument } from "./policy.schema.js";

export interface CompiledEu {
  /** The EU category each of the policy's categories falls into, and the policy line that says so. */
  categoryOf: ReadonlyMap<Category, { euCategory: EuDataCategory; source: string }>;
}

export interface TierAccess {
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

export interface CompiledRule {
  id: string;
  source: string;
  process: Process | undefined;
  findings: readonly string[];
  jurisdictions: ReadonlySet<string> | undefined;
  grant: ReadonlySet<Category>;
}

export interface ResolvedJurisdiction {
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
