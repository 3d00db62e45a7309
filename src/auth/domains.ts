/**
 * E-mail domains as proof of affiliation: only a domain an admin verified for an agency counts, and it
 * must be that exact domain. Lookalikes (`po1ice.gov.hk`, `police-gov.hk`, `políce.gov.hk`) are told apart
 * from the real one and named as such, so the refusal and its audit entry say what was attempted.
 */

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export type DomainProblem = "malformed" | "non_ascii" | "punycode";

/**
 * Letters outside ASCII (mixed scripts, homoglyphs such as Cyrillic "о") and IDN labels (`xn--`) are
 * refused outright: an agency domain with them would have to be read by a person character by character.
 */
export function domainProblem(domain: string): DomainProblem | undefined {
  if (/[^\x21-\x7e]/.test(domain)) return "non_ascii";
  if (!DOMAIN.test(domain)) return "malformed";
  if (domain.split(".").some((label) => label.startsWith("xn--"))) return "punycode";
  return undefined;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

// Characters and pairs people misread for one another in a domain name.
const CONFUSABLE: Array<[RegExp, string]> = [
  [/rn/g, "m"],
  [/vv/g, "w"],
  [/cl/g, "d"],
  [/[0]/g, "o"],
  [/[1il|]/g, "l"],
  [/[5]/g, "s"],
  [/[8]/g, "b"],
  [/[-_.]/g, ""],
];

// Cyrillic and Greek letters drawn like Latin ones (`fbі.gov` with a Cyrillic "і").
const HOMOGLYPHS: Record<string, string> = {
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  һ: "h",
  і: "i",
  ї: "i",
  ј: "j",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ɡ: "g",
  α: "a",
  β: "b",
  ε: "e",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
};

/** What a domain looks like to a hurried reader; two domains with one skeleton are lookalikes. */
export function domainSkeleton(domain: string): string {
  let text = [...domain.toLowerCase()].map((c) => HOMOGLYPHS[c] ?? c).join("");
  text = text.normalize("NFKD").replace(/\p{M}/gu, "");
  for (const [pattern, replacement] of CONFUSABLE) text = text.replace(pattern, replacement);
  return text;
}

/**
 * The verified domain `domain` imitates, if it is not one itself: the same skeleton, or the same skeleton
 * with labels appended (`fbi-gov.com`, `fbi.gov.example.net`).
 */
export function lookalikeOf(domain: string, verified: readonly string[]): string | undefined {
  const wanted = domain.toLowerCase();
  if (verified.includes(wanted)) return undefined;
  const labels = wanted.split(".");
  const skeletons = new Set(labels.map((_, i) => domainSkeleton(labels.slice(0, labels.length - i).join("."))));
  return verified.find((real) => skeletons.has(domainSkeleton(real)));
}
