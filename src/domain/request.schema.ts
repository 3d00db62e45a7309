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
import type { TargetType } from "./vocabulary.js";

/** The request document, docs/request.md (contract): what an agency submits and `evaluate` reads. */

const TARGET_VALUE_RULES: Record<TargetType, { pattern: RegExp; hint: string }> = {
  phone: { pattern: /^\+[1-9][0-9]{6,14}$/, hint: "an E.164 phone number like +85291234567" },
  email: { pattern: /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/, hint: "an e-mail address" },
  username: { pattern: /^[^\s]{1,128}$/, hint: "a username without spaces" },
  account_id: { pattern: /^[^\s]{1,128}$/, hint: "an account id without spaces" },
};

export const targetSchema = z
  .strictObject({
    type: targetTypeSchema,
    value: text(254),
  })
  .superRefine((target, ctx) => {
    const rule = TARGET_VALUE_RULES[target.type];
    if (!rule.pattern.test(target.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: `must be ${rule.hint}` });
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
  })
  .superRefine((request, ctx) => {
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
      const key = `${target.type}:${target.value}`;
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

export function targetKey(target: Target): string {
  return `${target.type}:${target.value}`;
}
