/**
 * The contract vocabulary (docs/vocabulary.md): legal processes, data categories and their tiers, target types.
 * Everything else refers to these lists; nothing spells a category or a process on its own.
 */

export const PROCESSES = [
  "subpoena",
  "court_order",
  "search_warrant",
  "emergency",
  "preservation",
  "mlat",
  "national_security",
  "informal",
] as const;
export type Process = (typeof PROCESSES)[number];

export const TIERS = ["subscriber", "records", "content"] as const;
export type Tier = (typeof TIERS)[number];

export const CATEGORY_TIER = {
  "subscriber.name": "subscriber",
  "subscriber.email": "subscriber",
  "subscriber.phone": "subscriber",
  "subscriber.ip_address": "subscriber",
  "subscriber.created_at": "subscriber",
  "subscriber.billing": "subscriber",
  "records.ip_logs": "records",
  "records.contacts": "records",
  "records.groups": "records",
  "records.connections": "records",
  "records.last_seen": "records",
  "content.messages": "content",
  "content.posts": "content",
  "content.media": "content",
  "content.location": "content",
} as const satisfies Record<string, Tier>;
export type Category = keyof typeof CATEGORY_TIER;
export const CATEGORIES = Object.keys(CATEGORY_TIER) as unknown as readonly [Category, ...Category[]];

// ip_address, imei and mac_address are the identifiers an EPOC-PR may name (Regulation (EU) 2023/1543,
// Annex II); an IP address names a user only together with the moment it was seen (docs/request.md).
export const TARGET_TYPES = ["account_id", "username", "email", "phone", "ip_address", "imei", "mac_address"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const TIER_LABEL: Record<Tier, string> = {
  subscriber: "subscriber records",
  records: "non-content records",
  content: "account contents",
};

/** Each category as a person reads it (pages, forms, the approval summary, the timeline); the code stays for machines. */
export const CATEGORY_LABEL: Record<Category, string> = {
  "subscriber.name": "Name",
  "subscriber.email": "E-mail address",
  "subscriber.phone": "Phone number",
  "subscriber.ip_address": "Registration and recent login IP address",
  "subscriber.created_at": "Date the account was created",
  "subscriber.billing": "Billing details",
  "records.ip_logs": "IP address logs",
  "records.contacts": "Contacts",
  "records.groups": "Groups and memberships",
  "records.connections": "Connections: who contacted whom and when (no content)",
  "records.last_seen": "Last seen",
  "content.messages": "Messages",
  "content.posts": "Posts",
  "content.media": "Photos, videos and files",
  "content.location": "Location history",
};

/**
 * Compulsory process ordered by the showing it takes to obtain it: a subpoena needs none, a court
 * order (e.g. 2703(d)) needs specific and articulable facts, a search warrant needs probable cause.
 * Whatever a weaker instrument unlocks, a stronger one unlocks too: a tier a policy opens to a
 * subpoena is open to a warrant, and a rule that asks for a court order is met by a warrant (itself
 * a court order). Processes off this ladder (emergency, preservation, mlat, national_security) are
 * different channels, not stronger or weaker, and are only ever matched exactly.
 */
export const PROCESS_LADDER = [
  "informal",
  "subpoena",
  "court_order",
  "search_warrant",
] as const satisfies readonly Process[];

export function processRank(process: Process): number {
  return (PROCESS_LADDER as readonly Process[]).indexOf(process);
}

/** True when a request made under `given` meets a requirement for `required`. */
export function processSatisfies(given: Process, required: Process): boolean {
  if (given === required) return true;
  const g = processRank(given);
  const r = processRank(required);
  return g >= 0 && r >= 0 && g > r;
}

export function tierOf(category: Category): Tier {
  return CATEGORY_TIER[category];
}

export function isCategory(value: string): value is Category {
  return Object.hasOwn(CATEGORY_TIER, value);
}

/** A category code as a person reads it; a code this version does not know (an old record) stays as it is. */
export function categoryLabel(code: string): string {
  return isCategory(code) ? CATEGORY_LABEL[code] : code;
}

/** docs/roles.md: who uses Custodian. Every role but `agency` is provider staff and signs in with a second factor. */
export const ROLES = ["agency", "intake", "reviewer", "counsel", "admin", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/** Where a request stands in its lifecycle (docs/lifecycle.md); the moves between them are in requests/lifecycle.ts. */
export const STATUSES = [
  "received",
  "verifying",
  "under_review",
  "approved",
  "rejected",
  "fulfilling",
  "delivered",
  "closed",
  "on_hold",
  "preserved",
  "withdrawn",
] as const;
export type Status = (typeof STATUSES)[number];

/**
 * The legal regimes a request can be made under (docs/regimes.md). `us` is today's model (US process,
 * judged by the compulsory-process ladder) and what a document without a legal basis is; the others are
 * regimes whose orders arrive directly from a foreign authority.
 */
export const REGIMES = ["us", "eu_e_evidence", "uk_us_daa", "mlat"] as const;
export type Regime = (typeof REGIMES)[number];

/** Regulation (EU) 2023/1543: its certificates (Annexes I and II) and the follow-ups to a preservation (V, VI). */
export const EU_INSTRUMENTS = ["epoc", "epoc_pr", "annex_v_confirmation", "annex_vi_extension"] as const;
export type EuInstrument = (typeof EU_INSTRUMENTS)[number];

/**
 * The instrument a request carries, per regime: the US regime's instruments are the processes; the UK's
 * is an Overseas Production Order (Crime (Overseas Production Orders) Act 2019, under the UK-US Data
 * Access Agreement); an MLAT request is itself the instrument.
 */
export const REGIME_INSTRUMENTS = {
  us: ["subpoena", "court_order", "search_warrant", "emergency", "preservation", "national_security", "informal"],
  eu_e_evidence: EU_INSTRUMENTS,
  uk_us_daa: ["overseas_production_order"],
  mlat: ["mlat"],
} as const satisfies Record<Regime, readonly string[]>;
export type Instrument = (typeof REGIME_INSTRUMENTS)[Regime][number];
export const INSTRUMENTS = [...new Set(Object.values(REGIME_INSTRUMENTS).flat())] as unknown as readonly [
  Instrument,
  ...Instrument[],
];

/** The kinds of issuing or validating authority Art. 4 of Regulation (EU) 2023/1543 distinguishes. */
export const AUTHORITY_KINDS = [
  "judge",
  "court",
  "investigating_judge",
  "public_prosecutor",
  "other_competent_authority",
] as const;
export type AuthorityKind = (typeof AUTHORITY_KINDS)[number];

/** The four data categories of Art. 3(9)-(12); a policy maps its own categories onto them. */
export const EU_DATA_CATEGORIES = ["subscriber", "identification", "traffic", "content"] as const;
export type EuDataCategory = (typeof EU_DATA_CATEGORIES)[number];

/**
 * Offence categories the request can name. The four listed ones are those of Art. 5(4)(b) and (c)
 * (non-cash payment fraud, child sexual abuse, attacks on information systems, terrorism), which open
 * traffic and content data whatever the maximum sentence; `other` is judged by the sentence alone.
 */
export const OFFENCE_CATEGORIES = [
  "non_cash_payment_fraud",
  "child_sexual_abuse",
  "information_system_attack",
  "terrorism",
  "other",
] as const;
export type OffenceCategory = (typeof OFFENCE_CATEGORIES)[number];

/** The 27 Member States of the European Union (ISO 3166-1 alpha-2; Greece as GR, as everywhere here). */
export const EU_MEMBER_STATES = [
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
] as const;
export type EuMemberState = (typeof EU_MEMBER_STATES)[number];

/**
 * Member States bound by Regulation (EU) 2023/1543: all but Denmark, which takes no part in measures
 * under Title V TFEU (Protocol No 22); Ireland opted in. An EU order names one of these as its issuing State.
 */
export const E_EVIDENCE_STATES: readonly Exclude<EuMemberState, "DK">[] = EU_MEMBER_STATES.filter(
  (state): state is Exclude<EuMemberState, "DK"> => state !== "DK",
);

/**
 * The official languages of the Union (ISO 639-1), among which an EU addressee names those it accepts
 * orders in (Directive (EU) 2023/1544): an order in another language may be sent back for translation.
 */
export const EU_OFFICIAL_LANGUAGES = [
  "bg",
  "cs",
  "da",
  "de",
  "el",
  "en",
  "es",
  "et",
  "fi",
  "fr",
  "ga",
  "hr",
  "hu",
  "it",
  "lt",
  "lv",
  "mt",
  "nl",
  "pl",
  "pt",
  "ro",
  "sk",
  "sl",
  "sv",
] as const;

/**
 * The grounds on which the enforcing authority refuses an EPOC notified to it (Art. 12(1) Regulation (EU)
 * 2023/1543), each with its letter: (a) immunities or privileges, or the rules on press freedom and freedom
 * of expression, of the enforcing State; (b) exceptionally, a manifest breach of a fundamental right of
 * Art. 6 TEU and the Charter; (c) ne bis in idem; (d) no double criminality, unless the offence is of an
 * Annex IV category punishable by at least three years in the issuing State.
 */
export const ENFORCING_GROUNDS = {
  immunities_or_privileges: "Art. 12(1)(a)",
  press_freedom: "Art. 12(1)(a)",
  fundamental_rights: "Art. 12(1)(b)",
  ne_bis_in_idem: "Art. 12(1)(c)",
  double_criminality: "Art. 12(1)(d)",
} as const;
export type EnforcingGround = keyof typeof ENFORCING_GROUNDS;
export const ENFORCING_GROUND_CODES = Object.keys(ENFORCING_GROUNDS) as [EnforcingGround, ...EnforcingGround[]];

/**
 * What the enforcing authority answers: no ground for refusal (the wait ends); a refusal on Art. 12(1)
 * grounds; an objection to the use of data (after an emergency's delivery, Art. 10(4)), also on those
 * grounds; or conditions on the use of the data.
 */
export const ENFORCING_ANSWERS = ["no_ground", "refusal", "objection", "conditions"] as const;
export type EnforcingAnswerKind = (typeof ENFORCING_ANSWERS)[number];

/** The EU categories the enforcing State is notified of (Art. 8(1)): traffic (not identification) and content. */
export const NOTIFIED_EU_CATEGORIES = ["traffic", "content"] as const satisfies readonly EuDataCategory[];
export type NotifiedEuCategory = (typeof NOTIFIED_EU_CATEGORIES)[number];
