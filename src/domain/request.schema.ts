import { z } from "zod";
import { parseWith, text } from "../shared/validation.js";
import {
  calendarDateSchema,
  categorySchema,
  findingSchema,
  jurisdictionSchema,
  processSchema,
  targetTypeSchema,
} from "./domain.schema.js";
import { dsaCategorySchema } from "./dsa.js";
import { countryOf } from "./jurisdictions.js";
import { legalBasisSchema, processRequiredBy } from "./legal-basis.schema.js";
import type { TargetType } from "./vocabulary.js";

/** The request document, docs/request.md (contract): what an agency submits and `evaluate` reads. */

const ipAddress = z.union([z.ipv4(), z.ipv6()]);

/** The Luhn check digit every IMEI ends with (3GPP TS 23.003): catches a mistyped digit. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const TARGET_VALUE_RULES: Record<TargetType, { valid: (value: string) => boolean; hint: string }> = {
  phone: { valid: (v) => /^\+[1-9][0-9]{6,14}$/.test(v), hint: "an E.164 phone number like +85291234567" },
  email: { valid: (v) => /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/.test(v), hint: "an e-mail address" },
  username: { valid: (v) => /^[^\s]{1,128}$/.test(v), hint: "a username without spaces" },
  account_id: { valid: (v) => /^[^\s]{1,128}$/.test(v), hint: "an account id without spaces" },
  ip_address: { valid: (v) => ipAddress.safeParse(v).success, hint: "an IPv4 or IPv6 address" },
  imei: { valid: (v) => /^[0-9]{15}$/.test(v) && luhnValid(v), hint: "a 15-digit IMEI with its check digit" },
  mac_address: {
    valid: (v) => /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(v),
    hint: "a MAC address like 00:1a:2b:3c:4d:5e",
  },
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const targetSchema = z
  .strictObject({
    type: targetTypeSchema,
    value: text(254),
    // An IP address names a user only with the moment it was seen and the zone that moment was read in
    // (Annex II: "IP address(es) and timestamp (with date and time zone)"); a source port narrows a
    // shared (carrier-grade NAT) address to one user.
    at: z.iso.datetime({ offset: true }).optional(),
    timeZone: text(64).refine(isTimeZone, { error: "must be an IANA time zone like Europe/Berlin" }).optional(),
    port: z.int().min(0).max(65535).optional(),
  })
  .superRefine((target, ctx) => {
    const rule = TARGET_VALUE_RULES[target.type];
    if (!rule.valid(target.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: `must be ${rule.hint}` });
    }
    if (target.type === "ip_address") {
      if (target.at === undefined) {
        ctx.addIssue({ code: "custom", path: ["at"], message: "required for an ip_address: when it was seen" });
      }
      if (target.timeZone === undefined) {
        ctx.addIssue({ code: "custom", path: ["timeZone"], message: "required for an ip_address" });
      }
      return;
    }
    for (const field of ["at", "timeZone", "port"] as const) {
      if (target[field] !== undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: "only an ip_address target has one" });
      }
    }
  });

const agencySchema = z.strictObject({
  name: text(200),
  email: z.email().max(254),
  // Over HTTP this is set by Custodian from its own records; in a what-if file it is taken as given.
  // Absent means unverified: an agency is never assumed to be who it says it is.
  verified: z.boolean().default(false),
});

const emergencySchema = z.strictObject({
  justification: text(4000),
  // Confirmed by a call-back to the agency on a number not taken from the request.
  verified: z.boolean().default(false),
});

const documentSchema = z.strictObject({
  name: text(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex digits (a SHA-256)" }),
});

const dateRangeSchema = z
  .strictObject({ from: calendarDateSchema, to: calendarDateSchema })
  .refine((range) => range.from <= range.to, { error: "from must not be after to", path: ["to"] });

export const requestDocumentSchema = z
  .strictObject({
    reference: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, {
        error: "must be printable ASCII without leading or trailing spaces",
      }),
    receivedAt: z.iso.datetime({ offset: true }),
    jurisdiction: jurisdictionSchema,
    agency: agencySchema,
    process: processSchema,
    issuedBy: text(300).nullish(),
    findings: z.array(findingSchema).max(20).default([]),
    emergency: emergencySchema.nullish(),
    targets: z.array(targetSchema).min(1).max(100),
    categories: z.array(categorySchema).min(1).max(15),
    dateRange: dateRangeSchema.nullish(),
    nonDisclosure: z.strictObject({ until: calendarDateSchema }).nullish(),
    documents: z.array(documentSchema).max(50).default([]),
    /** Absent: the `us` regime, decided by `process` as it always was (docs/regimes.md). */
    legalBasis: legalBasisSchema.optional(),
    /**
     * The category of illegal content the order concerns, as the DSA report counts it (src/domain/dsa.ts);
     * absent, an EU order's offence gives it where one follows, or staff set it later.
     */
    illegalContentCategory: dsaCategorySchema.optional(),
  })
  .superRefine((request, ctx) => {
    const basis = request.legalBasis;
    if (basis) {
      const required = processRequiredBy(basis);
      if (required !== undefined && request.process !== required) {
        ctx.addIssue({
          code: "custom",
          path: ["process"],
          message: `must be "${required}" for ${basis.regime} ${basis.instrument}${basis.emergency ? " (emergency)" : ""} (process is "${request.process}")`,
        });
      } else if (required === undefined && request.process === "preservation") {
        ctx.addIssue({
          code: "custom",
          path: ["process"],
          message: `must not be "preservation" for ${basis.regime} ${basis.instrument} (a preservation order is its own instrument)`,
        });
      }
      if (basis.emergency !== (request.process === "emergency")) {
        ctx.addIssue({
          code: "custom",
          path: ["legalBasis", "emergency"],
          message: `must be ${request.process === "emergency"} when process is "${request.process}"`,
        });
      }
      if (basis.issuingState !== undefined && basis.issuingState !== countryOf(request.jurisdiction)) {
        ctx.addIssue({
          code: "custom",
          path: ["legalBasis", "issuingState"],
          message: `must be the request's jurisdiction's country (${countryOf(request.jurisdiction)})`,
        });
      }
      if (basis.deadline !== undefined && Date.parse(basis.deadline) <= Date.parse(request.receivedAt)) {
        ctx.addIssue({
          code: "custom",
          path: ["legalBasis", "deadline"],
          message: "must be after receivedAt: a deadline cannot fall before the order arrived",
        });
      }
    }
    if (request.emergency && request.process !== "emergency") {
      ctx.addIssue({
        code: "custom",
        path: ["emergency"],
        message: `must be null unless process is "emergency" (process is "${request.process}")`,
      });
    }
    const seenCategories = new Set<string>();
    request.categories.forEach((category, index) => {
      if (seenCategories.has(category)) {
        ctx.addIssue({ code: "custom", path: ["categories", index], message: `"${category}" is listed twice` });
      }
      seenCategories.add(category);
    });
    const seenTargets = new Set<string>();
    request.targets.forEach((target, index) => {
      const key = targetKey(target);
      if (seenTargets.has(key)) {
        ctx.addIssue({ code: "custom", path: ["targets", index], message: `"${key}" is listed twice` });
      }
      seenTargets.add(key);
    });
  });

export type RequestDocument = z.output<typeof requestDocumentSchema>;
export type Target = z.output<typeof targetSchema>;

export function parseRequestDocument(input: unknown, source?: string): RequestDocument {
  return parseWith(requestDocumentSchema, input, source);
}

/**
 * How a decision item names its target: `phone:+85291234567`; an IP address with the moment it was seen
 * (and its port), since the same address names different users at different times:
 * `ip_address:203.0.113.7@2026-11-30T21:14:03+01:00:51234`.
 */
export function targetKey(target: Pick<Target, "type" | "value" | "at" | "port">): string {
  if (target.at === undefined) return `${target.type}:${target.value}`;
  // In UTC, so the key is the same whether the moment was filed as +01:00 or read back from the store.
  const at = new Date(target.at).toISOString();
  return `${target.type}:${target.value}@${at}${target.port === undefined ? "" : `:${target.port}`}`;
}

/** A target as the store keeps it (request_target), back in the document's shape. */
export function targetFromRow(row: {
  type: string;
  value: string;
  observed_at?: Date | null;
  time_zone?: string | null;
  port?: number | null;
}): Target {
  const target: Target = { type: row.type as Target["type"], value: row.value };
  if (row.observed_at) target.at = row.observed_at.toISOString();
  if (row.time_zone) target.timeZone = row.time_zone;
  if (row.port !== null && row.port !== undefined) target.port = row.port;
  return target;
}

/**
 * An emergency, whatever the regime: US emergency disclosure (`process: emergency`) or an order its
 * issuing authority marks as one (an emergency EPOC, Art. 10(4)). Someone is woken for it.
 */
export function isEmergencyOrder(doc: { process: string; legalBasis?: { emergency?: boolean } | null }): boolean {
  return doc.process === "emergency" || doc.legalBasis?.emergency === true;
}
