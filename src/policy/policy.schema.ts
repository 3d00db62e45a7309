import { z } from "zod";
import {
  calendarDateSchema,
  categoryKeySchema,
  categorySchema,
  findingSchema,
  jurisdictionKeySchema,
  jurisdictionSchema,
  processSchema,
  tierKeySchema,
  tierSchema,
} from "../domain/domain.schema.js";
import { EU_DATA_CATEGORIES, type Process, REGIMES } from "../domain/vocabulary.js";
import { quoted, text } from "../shared/validation.js";

/** The policy document, docs/policy.md (contract). */

// Emergency and preservation requests are decided by their own steps (docs/decision.md, steps 4 and 5) before
// legalProcess or rules are consulted, so naming them there would be a rule that can never fire.
const OWN_STEP_PROCESSES: readonly Process[] = ["emergency", "preservation"];

const unlockingProcessSchema = processSchema.refine((p) => !OWN_STEP_PROCESSES.includes(p), {
  error: (issue) =>
    `${quoted(issue.input)} is decided by its own step (the emergency section, or preservation), not here`,
});

const legalProcessSchema = z.record(tierKeySchema, z.array(unlockingProcessSchema).max(8));

const emergencyPolicySchema = z.strictObject({
  tiers: z.array(tierSchema).max(3),
  requireVerified: z.boolean().default(true),
});

// `subscriber.phone: { }` and a bare `subscriber.phone:` (null in YAML) both mean "held, nothing special".
const dataEntrySchema = z
  .strictObject({
    retentionDays: z.int().min(1).max(36500).optional(),
    e2ee: z.boolean().default(false),
    description: text(500).optional(),
  })
  .nullish()
  .transform((entry) => entry ?? { e2ee: false });

export const JURISDICTION_STATUSES = ["active", "paused", "refused"] as const;
export type JurisdictionStatus = (typeof JURISDICTION_STATUSES)[number];

const jurisdictionEntrySchema = z
  .strictObject({
    status: z.enum(JURISDICTION_STATUSES).optional(),
    since: calendarDateSchema.optional(),
    reason: text(500).optional(),
    allowEmergency: z.boolean().optional(),
    legalProcess: legalProcessSchema.optional(),
    // null switches emergency disclosure off in this jurisdiction.
    emergency: emergencyPolicySchema.nullable().optional(),
  })
  .nullish()
  .transform((entry) => entry ?? {});

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: "must be a lower-case slug like terror-court-order" }),
  description: text(500).optional(),
  when: z
    .strictObject({
      process: unlockingProcessSchema.optional(),
      findings: z.array(findingSchema).min(1).max(20).optional(),
      jurisdictions: z.array(jurisdictionSchema).min(1).max(300).optional(),
    })
    .refine((when) => when.process !== undefined || when.findings !== undefined, {
      error: "must name a process or findings: a rule that matches every request is not an exception",
    }),
  grant: z.array(categorySchema).min(1).max(15),
});

/**
 * How the policy's categories fall into the four of Regulation (EU) 2023/1543, Art. 3(9)-(12): subscriber,
 * identification (IP address, port, timestamp), traffic (device location included) and content. Which of
 * its own data is which is the provider's reading of the Regulation, so it is written here, by counsel.
 */
const euCategoriesSchema = z.strictObject(
  Object.fromEntries(EU_DATA_CATEGORIES.map((c) => [c, z.array(categorySchema).max(15).default([])])) as Record<
    (typeof EU_DATA_CATEGORIES)[number],
    z.ZodDefault<z.ZodArray<typeof categorySchema>>
  >,
);

const regimesSchema = z.strictObject({
  /** Present: the provider takes European Production and Preservation Orders (docs/regimes.md). */
  eu_e_evidence: z.strictObject({ categories: euCategoriesSchema }).optional(),
});

/**
 * Who tells the person whose data were asked for, per regime (docs/policy.md#user-notice): the provider
 * (once no order, delay or emergency bars it, and `afterDays` after the answer), or the issuing authority,
 * the provider keeping the order confidential (Regulation (EU) 2023/1543 Art. 13). A regime the policy
 * leaves out keeps its default (src/policy/user-notice.ts).
 */
export const NOTICE_GIVERS = ["provider", "issuing_authority"] as const;
export type NoticeGiver = (typeof NOTICE_GIVERS)[number];

const userNoticeRuleSchema = z
  .strictObject({
    by: z.enum(NOTICE_GIVERS, {
      error: (issue) => `unknown ${quoted(issue.input)} (one of: ${NOTICE_GIVERS.join(", ")})`,
    }),
    /** Days after the request is answered before the provider's notice goes out. */
    afterDays: z.int().min(0).max(3650).optional(),
    description: text(500).optional(),
  })
  .refine((rule) => rule.by === "provider" || rule.afterDays === undefined, {
    path: ["afterDays"],
    error: "only with by: provider (the issuing authority decides when it informs)",
  });

const userNoticeSchema = z.strictObject(
  Object.fromEntries(REGIMES.map((regime) => [regime, userNoticeRuleSchema.optional()])) as Record<
    (typeof REGIMES)[number],
    z.ZodOptional<typeof userNoticeRuleSchema>
  >,
);

export const policyDocumentSchema = z
  .strictObject({
    policy: z.literal(1, { error: "must be 1 (the only policy format version)" }),
    name: text(100),
    version: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? "required"
            : 'must be a quoted string like "2020-07-06" (YAML reads 2020 as a number)',
      })
      .min(1)
      .max(50),
    description: text(2000).optional(),
    dataMap: z.record(categoryKeySchema, dataEntrySchema),
    legalProcess: legalProcessSchema,
    emergency: emergencyPolicySchema.nullish(),
    jurisdictions: z.record(jurisdictionKeySchema, jurisdictionEntrySchema).default({}),
    humanRightsReview: z.array(jurisdictionSchema).max(300).default([]),
    rules: z.array(ruleSchema).max(200).default([]),
    regimes: regimesSchema.optional(),
    userNotice: userNoticeSchema.optional(),
  })
  .superRefine((policy, ctx) => {
    const eu = policy.regimes?.eu_e_evidence;
    if (eu) {
      const placed = new Map<string, string>();
      for (const euCategory of EU_DATA_CATEGORIES) {
        eu.categories[euCategory].forEach((category, index) => {
          const earlier = placed.get(category);
          if (earlier !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: ["regimes", "eu_e_evidence", "categories", euCategory, index],
              message: `"${category}" is already placed under ${earlier}: a category is one of the four, not two`,
            });
          }
          placed.set(category, euCategory);
        });
      }
    }
    const seen = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) {
        ctx.addIssue({ code: "custom", path: ["rules", index, "id"], message: `"${rule.id}" is used twice` });
      }
      seen.add(rule.id);
    });
  });

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type JurisdictionEntry = PolicyDocument["jurisdictions"][string];
export type EmergencyPolicy = z.output<typeof emergencyPolicySchema>;
export type UserNoticeRuleDocument = z.output<typeof userNoticeRuleSchema>;
