import { z } from "zod";
import { text } from "../shared/validation.js";
import { countryName } from "./country-names.js";

/**
 * What a published demand shows (docs/publications.md): the publishable fields of a request, each shown
 * unless its draft redacts it with a reason; the accounts the demand named are never shown. Pure: the
 * Lumen export of the published demands (the public page is publication.page.ts).
 */

export const PUBLISHABLE_FIELDS = [
  "agency",
  "reference",
  "jurisdiction",
  "process",
  "instrument",
  "issuedBy",
  "receivedAt",
  "categories",
  "dateRange",
  "nonDisclosureUntil",
  "outcome",
] as const;
export type PublishableField = (typeof PUBLISHABLE_FIELDS)[number];

export interface Redaction {
  /** A publishable field, or `targets` (always withheld). */
  field: PublishableField | "targets";
  reason: string;
}

export const redactionSchema = z.strictObject({
  field: z.enum(PUBLISHABLE_FIELDS),
  reason: text(500),
});
/** A redaction a draft asks for: a publishable field and why it is withheld. */
export type DraftRedaction = z.output<typeof redactionSchema>;

export interface ShownFields {
  agency?: string;
  reference?: string;
  /** The country (ISO 3166-1 alpha-2), as the report counts it. */
  jurisdiction?: string;
  process?: string;
  instrument?: string | null;
  issuedBy?: string | null;
  /** The day the demand was received (UTC). */
  receivedAt?: string;
  categories?: string[];
  dateRange?: { from: string | null; to: string | null } | null;
  nonDisclosureUntil?: string | null;
  /** As the report classes it: produced, rejected, no_data, or null (withdrawn, preserved). */
  outcome?: string | null;
}

export interface PublishedDemand {
  requestId: string;
  shown: ShownFields;
  redactions: Redaction[];
  summary: string | null;
  approvedAt: string | null;
}

/** Never shown: the accounts a demand named identify the people it was about. */
export const TARGETS_WITHHELD: Redaction = {
  field: "targets",
  reason: "the accounts named identify the people the demand was about",
};

const PROCESS_NAMES: Readonly<Record<string, string>> = {
  subpoena: "Subpoena",
  court_order: "Court order",
  search_warrant: "Search warrant",
  emergency: "Emergency request",
  preservation: "Preservation request",
  mlat: "Mutual legal assistance request",
  national_security: "National-security process",
  informal: "Informal request",
};

const OUTCOMES: Readonly<Record<string, string>> = {
  produced: "data disclosed",
  rejected: "rejected",
  no_data: "no data existed",
};

/** "Search warrant from FBI (United States)", from what is shown only. */
export function publicationTitle(shown: ShownFields): string {
  const what = shown.process ? (PROCESS_NAMES[shown.process] ?? shown.process) : "Government demand";
  const from = shown.agency ? ` from ${shown.agency}` : "";
  const where = shown.jurisdiction ? ` (${countryName(shown.jurisdiction)})` : "";
  return `${what}${from}${where}`;
}

export function outcomeText(outcome: string | null | undefined): string | null {
  if (outcome === undefined) return null;
  return outcome === null ? "not answered with data (withdrawn or only preserved)" : (OUTCOMES[outcome] ?? outcome);
}

/**
 * One published demand as a notice of Lumen's notices API, type LawEnforcementRequest: the fields Lumen
 * serves for that type (`explanation` for the body, `works[]` with `subject_of_enforcement_request`,
 * `original_work_urls` and `urls_in_request`, `regulations`, `request_type`). A redacted field is null or
 * empty, never its value; no URL is given since Custodian's demands name accounts, not addresses.
 */
export function toLumenNotice(demand: PublishedDemand, recipient: string) {
  const { shown } = demand;
  const withheld = demand.redactions.map((r) => `${r.field}: ${r.reason}`).join("; ");
  const facts = [
    shown.reference === undefined ? null : `Reference: ${shown.reference}.`,
    shown.issuedBy ? `Issued by ${shown.issuedBy}.` : null,
    shown.dateRange ? `Period asked for: ${shown.dateRange.from ?? "…"} to ${shown.dateRange.to ?? "…"}.` : null,
    shown.nonDisclosureUntil ? `Non-disclosure order until ${shown.nonDisclosureUntil}.` : null,
    shown.outcome === undefined ? null : `Outcome: ${outcomeText(shown.outcome)}.`,
    `Withheld: ${withheld}.`,
  ].filter((line): line is string => line !== null);
  return {
    id: demand.requestId,
    type: "LawEnforcementRequest" as const,
    title: publicationTitle(shown),
    explanation: [demand.summary, ...facts].filter(Boolean).join("\n"),
    date_sent: null,
    date_received: shown.receivedAt ?? null,
    categories: [] as string[],
    sender_name: shown.agency ?? null,
    recipient_name: recipient,
    works: [
      {
        subject_of_enforcement_request: shown.categories ? `Data asked for: ${shown.categories.join(", ")}` : null,
        original_work_urls: [] as { url: string }[],
        urls_in_request: [] as { url: string }[],
      },
    ],
    tags: [shown.process, shown.outcome].filter((t): t is string => typeof t === "string"),
    jurisdictions: shown.jurisdiction ? [shown.jurisdiction] : [],
    regulations: shown.instrument ? [shown.instrument] : [],
    request_type: shown.process ? (PROCESS_NAMES[shown.process] ?? shown.process) : null,
  };
}

export type LumenNotice = ReturnType<typeof toLumenNotice>;

/** The export: every published demand as Lumen notices, newest first. */
export function toLumenExport(demands: readonly PublishedDemand[], recipient: string): { notices: LumenNotice[] } {
  return { notices: demands.map((d) => toLumenNotice(d, recipient)) };
}
