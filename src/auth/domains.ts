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

/** What a domain looks like to a hurried reader; two domains with one skeleton are lookalikes. */
export function domainSkeleton(domain: string): string {
  let text = domain.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  for (const [pattern, replacement] of CONFUSABLE) text = text.replace(pattern, replacement);
  return text;
}

/** The verified domain `domain` imitates, if it is not one itself. */
export function lookalikeOf(domain: string, verified: readonly string[]): string | undefined {
  const wanted = domain.toLowerCase();
  if (verified.includes(wanted)) return undefined;
  const skeleton = domainSkeleton(wanted);
  return verified.find((real) => domainSkeleton(real) === skeleton || wanted.endsWith(`.${real}-`));
}
