import { z } from "zod";
import { isCountryCode } from "../domain/jurisdictions.js";
import { E_EVIDENCE_STATES, EU_OFFICIAL_LANGUAGES, INSTRUMENTS } from "../domain/vocabulary.js";
import { readConfigFile, zodProblems } from "../shared/config-file.js";
import type { Problem } from "../shared/validation.js";
import { quoted, text } from "../shared/validation.js";

/**
 * Where authorities send their orders (docs/addressees.md): per region, the entity that receives them,
 * how to reach it and the languages it accepts. In the EU that entity is the provider's designated
 * establishment or legal representative (Directive (EU) 2023/1544), which receives the Regulation's
 * orders and whose contact details and languages the provider notifies to the Member State; elsewhere it is
 * the provider's own contact point for law enforcement. Read from the deployment's file
 * (CUSTODIAN_ADDRESSEES) once at start and shown to agencies as it stands: it is a public fact.
 */

export const ADDRESSEE_KINDS = ["designated_establishment", "legal_representative", "contact_point"] as const;
export type AddresseeKind = (typeof ADDRESSEE_KINDS)[number];

/** The kinds the Directive knows: an EU region's addressee is one of them, and nothing else is. */
const EU_KINDS: readonly AddresseeKind[] = ["designated_establishment", "legal_representative"];

const languageNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

/** A language's English name, or the code itself for one Intl does not know (never the case once checked). */
export function languageName(code: string): string {
  return languageNames.of(code) ?? code;
}

const languageSchema = z
  .string()
  .regex(/^[a-z]{2}$/, { error: (issue) => `${quoted(issue.input)} is not an ISO 639-1 code like en or de` })
  .refine((code) => languageNames.of(code) !== undefined, {
    error: (issue) => `${quoted(issue.input)} is not a language ISO 639-1 knows`,
  });

const countrySchema = z.string().refine(isCountryCode, {
  error: (issue) => `${quoted(issue.input)} is not an ISO 3166-1 alpha-2 country code like IE`,
});

const addresseeSchema = z.strictObject({
  /** EU, or the country (ISO 3166-1 alpha-2) whose authorities send here. */
  region: z.union([z.literal("EU"), countrySchema], {
    error: (issue) => `${quoted(issue.input)} is neither EU nor a country code like GB`,
  }),
  kind: z.enum(ADDRESSEE_KINDS, {
    error: (issue) => `unknown kind ${quoted(issue.input)} (one of: ${ADDRESSEE_KINDS.join(", ")})`,
  }),
  /** The legal entity's name, as the authority addresses it. */
  name: text(200),
  /** Where the entity is established. */
  establishedIn: countrySchema,
  /** The postal address, lines as written. */
  address: text(500),
  email: z.email({ error: "must be an e-mail address" }).optional(),
  phone: z
    .string()
    .regex(/^\+[1-9][0-9 ]{6,20}$/, { error: "must be an international number like +353 1 234 5678" })
    .optional(),
  /** Answered at any hour, for emergencies (an EU emergency order must be answered within 8 hours). */
  emergencyPhone: z
    .string()
    .regex(/^\+[1-9][0-9 ]{6,20}$/, { error: "must be an international number like +353 1 234 5678" })
    .optional(),
  languages: z.array(languageSchema).min(1, { error: "name at least one language orders are accepted in" }).max(30),
  /** The instruments this addressee receives; absent: every instrument of the region's regimes. */
  receives: z
    .array(
      z.enum(INSTRUMENTS, {
        error: (issue) => `unknown instrument ${quoted(issue.input)} (one of: ${INSTRUMENTS.join(", ")})`,
      }),
    )
    .min(1)
    .optional(),
  note: text(1000).optional(),
});

const fileSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1 (the only version of this format)" }),
  addressees: z.array(addresseeSchema).max(50),
});

export type Addressee = z.output<typeof addresseeSchema>;

/** What the schema cannot see one entry at a time: a region twice, and what the Directive asks of the EU's. */
function ruleProblems(addressees: readonly Addressee[], prefix: string): Problem[] {
  const problems: Problem[] = [];
  const at = (index: number, field: string) => `${prefix} addressees[${index}].${field}`;
  const seen = new Set<string>();
  addressees.forEach((addressee, index) => {
    if (seen.has(addressee.region)) {
      problems.push({
        path: at(index, "region"),
        message: `"${addressee.region}" is listed twice: one addressee a region`,
      });
    }
    seen.add(addressee.region);
    if (!addressee.email && !addressee.phone) {
      problems.push({ path: at(index, "email"), message: "give an e-mail address or a phone number (or both)" });
    }
    if (new Set<string>(addressee.languages).size !== addressee.languages.length) {
      problems.push({ path: at(index, "languages"), message: "names a language twice" });
    }
    if (addressee.region === "EU") {
      if (!EU_KINDS.includes(addressee.kind)) {
        problems.push({
          path: at(index, "kind"),
          message: "an EU addressee is a designated_establishment or a legal_representative (Directive (EU) 2023/1544)",
        });
      }
      if (!(E_EVIDENCE_STATES as readonly string[]).includes(addressee.establishedIn)) {
        problems.push({
          path: at(index, "establishedIn"),
          message: `"${addressee.establishedIn}" is not a Member State taking part in the e-evidence rules`,
        });
      }
      addressee.languages.forEach((language, position) => {
        if (!(EU_OFFICIAL_LANGUAGES as readonly string[]).includes(language)) {
          problems.push({
            path: `${at(index, "languages")}[${position}]`,
            message: `"${language}" is not an official language of the Union`,
          });
        }
      });
    } else if (EU_KINDS.includes(addressee.kind)) {
      problems.push({
        path: at(index, "kind"),
        message: `a ${addressee.kind} is the EU's (Directive (EU) 2023/1544); ${addressee.region}'s addressee is a contact_point`,
      });
    }
  });
  return problems;
}

/**
 * The file CUSTODIAN_ADDRESSEES names, checked whole: its problems are added to `problems` (under `label`)
 * and nothing is returned for a file that has any. No file: no addressee is published (an empty list).
 */
export function readAddresseesFile(file: string | undefined, label: string, problems: Problem[]): Addressee[] {
  if (file === undefined) return [];
  const data = readConfigFile(file, label, problems);
  if (data === undefined) return [];
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    zodProblems(parsed.error, label, problems);
    return [];
  }
  const found = ruleProblems(parsed.data.addressees, label);
  problems.push(...found);
  if (found.length > 0) return [];
  // The EU first, then the countries by code: the order an agency scans for its own.
  return [...parsed.data.addressees].sort((a, b) =>
    a.region === "EU" ? -1 : b.region === "EU" ? 1 : a.region.localeCompare(b.region),
  );
}
