import { countryOf } from "../domain/jurisdictions.js";
import {
  CATEGORIES,
  CATEGORY_LABEL,
  type Category,
  type Process,
  TIER_LABEL,
  TIERS,
  type Tier,
  tierOf,
} from "../domain/vocabulary.js";
import type { CompiledPolicy } from "../policy/engine.js";

/**
 * What an officer needs to know before asking: for each data category, whether the service holds it and
 * which legal process opens it, read from the policy in force for their jurisdiction (pauses included),
 * in words rather than policy paths.
 */

export const PROCESS_TEXT: Record<Process, { label: string; explain: string }> = {
  subpoena: {
    label: "Subpoena",
    explain: "administrative or grand-jury subpoena, or another request for basic records",
  },
  court_order: { label: "Court order", explain: "e.g. 18 U.S.C. 2703(d), or a foreign court's order" },
  search_warrant: { label: "Search warrant", explain: "issued on probable cause" },
  emergency: {
    label: "Emergency",
    explain:
      "imminent danger of death or serious physical injury; no legal process. Verified by our call-back to your agency",
  },
  preservation: {
    label: "Preservation",
    explain: "keep the data while you obtain legal process; nothing is disclosed",
  },
  mlat: { label: "MLAT", explain: "arrives through a mutual legal assistance treaty" },
  national_security: { label: "National security", explain: "national-security process; reported only in bands" },
  informal: { label: "Informal request", explain: "a letter with no compulsory force" },
};

export interface CategoryGuide {
  category: Category;
  label: string;
  /** One sentence: held or not, and what opens it. */
  explain: string;
  available: boolean;
}

export interface TierGuide {
  tier: Tier;
  label: string;
  opensWith: string;
  categories: CategoryGuide[];
}

export interface JurisdictionGuide {
  jurisdiction: string;
  policy: string;
  status: string;
  statusReason: string | undefined;
  emergencyTiers: Tier[];
  tiers: TierGuide[];
}

function list(processes: readonly Process[]): string {
  const labels = processes.map((p) => (p === "mlat" ? "MLAT" : PROCESS_TEXT[p].label.toLowerCase()));
  if (labels.length <= 1) return labels[0] ?? "";
  return `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`;
}

export function guideFor(policy: CompiledPolicy, jurisdiction: string): JurisdictionGuide {
  const resolved =
    policy.jurisdictions.get(jurisdiction) ?? policy.jurisdictions.get(countryOf(jurisdiction)) ?? policy.fallback;
  const tiers = TIERS.map((tier): TierGuide => {
    const access = resolved.access[tier];
    const opensWith =
      access.listed.length === 0
        ? "no legal process opens these records under this policy"
        : `opened by a ${list(access.listed)}${access.listed.some((p) => ["subpoena", "court_order", "informal"].includes(p)) ? " (or a stronger instrument)" : ""}`;
    const categories = CATEGORIES.filter((c) => tierOf(c) === tier).map((category): CategoryGuide => {
      const held = policy.dataMap[category];
      const description = policy.document.dataMap[category]?.description;
      const granted = resolved.rules.filter((r) => r.grant.has(category));
      let explain: string;
      if (!held.held) explain = "Not held by this service: nothing can be produced.";
      else if (held.e2ee) explain = "Held only end-to-end encrypted: cannot be produced.";
      else {
        explain = `${description ? `${description[0]?.toUpperCase()}${description.slice(1)}. ` : ""}${
          held.retentionDays ? `Kept ${held.retentionDays} days. ` : ""
        }${opensWith[0]?.toUpperCase()}${opensWith.slice(1)}.`;
        for (const rule of granted) {
          const when = [
            rule.process ? `a ${PROCESS_TEXT[rule.process].label.toLowerCase()}` : "a request",
            ...(rule.findings.length ? [`finding ${rule.findings.join(", ")}`] : []),
          ];
          explain += ` Also on ${when.join(" ")}.`;
        }
      }
      return { category, label: CATEGORY_LABEL[category], explain, available: held.held && !held.e2ee };
    });
    return { tier, label: TIER_LABEL[tier], opensWith, categories };
  });
  return {
    jurisdiction,
    policy: `${policy.name} ${policy.version}`,
    status: resolved.status,
    statusReason: resolved.statusReason,
    emergencyTiers: resolved.emergency ? [...resolved.emergency.tiers] : [],
    tiers,
  };
}
