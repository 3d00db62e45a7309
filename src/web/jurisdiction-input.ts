import { checkJurisdiction, countryCodes } from "../domain/jurisdictions.js";
import { countryName } from "../reports/country-names.js";

/**
 * What a person types in a jurisdiction filter: a code (HK, us-ca) or a country's name (Germany, hong
 * kong, "Hong Kong SAR China" as ICU spells it), resolved to the code, or a sentence saying what to enter.
 */
const icuNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

let byName: Map<string, string> | undefined;

function namesToCodes(): Map<string, string> {
  if (!byName) {
    byName = new Map();
    for (const code of countryCodes()) {
      for (const name of [countryName(code), icuNames.of(code)]) {
        if (name) byName.set(fold(name), code);
      }
    }
  }
  return byName;
}

function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

export type JurisdictionInput = { code: string } | { problem: string };

export function resolveJurisdiction(input: string): JurisdictionInput {
  const text = input.trim();
  const upper = text.toUpperCase();
  if (checkJurisdiction(upper).ok) return { code: upper };
  const code = namesToCodes().get(fold(text));
  if (code) return { code };
  return {
    problem: `There is no country called "${text}". Enter a country's name, like Germany, or its two-letter code, like DE`,
  };
}

/** "Hong Kong" for HK; a subdivision under its country's name ("United States, CA" for US-CA). */
export function jurisdictionName(code: string): string {
  const [country = code, sub] = code.split("-");
  return sub ? `${countryName(country)}, ${sub}` : countryName(country);
}

/** "Hong Kong (HK)": the name people read, the code the policy and the API use. */
export function jurisdictionLabel(code: string): string {
  return `${jurisdictionName(code)} (${code})`;
}
