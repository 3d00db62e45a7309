import type { Problem } from "../shared/validation.js";

/**
 * The request form's problems as sentences written for the officer ("Enter the agency's reference", "The
 * end date must be after the start date"), not the document's field paths and checker wording. A problem
 * this does not know keeps its own words, capitalised, and names the target row it is about.
 */

const BY_PATH: Record<string, (message: string) => string> = {
  reference: () => "Enter the agency's reference",
  jurisdiction: (m) =>
    /unknown|ISO|code/i.test(m) ? "Enter the jurisdiction as a country code, such as US, GB or DE" : capital(m),
  process: () => "Choose the legal process the request is made under",
  categories: () => "Choose at least one category of data",
  "emergency.justification": () => "Say what imminent danger of death or serious injury the disclosure would prevent",
  "dateRange.from": (m) =>
    /both ends/.test(m) ? "Enter both the start and the end date of the period, or neither" : capital(m),
  "dateRange.to": (m) =>
    /both ends/.test(m)
      ? "Enter both the start and the end date of the period, or neither"
      : /after|before/.test(m)
        ? "The end date must be after the start date"
        : capital(m),
};

function capital(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export function inSentences(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of problems) {
    const target = /^targets\.(\d+)\.(value|type)$/.exec(p.path);
    const message =
      BY_PATH[p.path]?.(p.message) ??
      (target
        ? /at least one/.test(p.message)
          ? "Enter at least one account: a username, e-mail address or phone number"
          : `Target ${Number(target[1]) + 1}: ${p.message}`
        : capital(p.message));
    // One message per field: the form's own check and the document's may both find the same thing.
    if (seen.has(p.path)) continue;
    seen.add(p.path);
    out.push({ ...p, message });
  }
  return out;
}
