import { z } from "zod";
import { quoted } from "../shared/validation.js";
import { checkJurisdiction } from "./jurisdictions.js";
import { CATEGORIES, PROCESSES, TARGET_TYPES, TIERS } from "./vocabulary.js";

/** One schema per concept, shared by the request document, the policy document and (later) HTTP. */

export const processSchema = z.enum(PROCESSES, {
  error: (issue) => `unknown process ${quoted(issue.input)} (one of: ${PROCESSES.join(", ")})`,
});

export const categorySchema = z.enum(CATEGORIES, {
  error: (issue) => `unknown category ${quoted(issue.input)}`,
});

export const tierSchema = z.enum(TIERS, {
  error: (issue) => `unknown tier ${quoted(issue.input)} (one of: ${TIERS.join(", ")})`,
});

export const targetTypeSchema = z.enum(TARGET_TYPES, {
  error: (issue) => `unknown target type ${quoted(issue.input)} (one of: ${TARGET_TYPES.join(", ")})`,
});

// The pattern is for published schemas (schemas/*.json, the OpenAPI document); the refinement, which also
// checks that the country exists, is what validates.
export const jurisdictionSchema = z
  .string()
  .superRefine((code, ctx) => {
    const check = checkJurisdiction(code);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.problem });
  })
  .meta({
    pattern: "^[A-Z]{2}(-[A-Z0-9]{1,3})?$",
    description: "An ISO 3166-1 alpha-2 country code, optionally with a subdivision: HK, US-CA",
  });

/** Facts a court asserts about a target (`terrorism_suspect`): identifiers, so rules can match them. */
export const findingSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "must be a lower_snake_case identifier like terrorism_suspect" });

/** A calendar date that exists (2020-02-30 does not). */
export const calendarDateSchema = z.iso.date().refine(
  (value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  },
  { error: "must be a calendar date that exists" },
);

/** Record keys checked against the vocabulary, so an unknown key is named for what it should have been. */
export const categoryKeySchema = z.string().pipe(categorySchema);
export const tierKeySchema = z.string().pipe(tierSchema);

/** A jurisdiction, or `*` for the default that every jurisdiction without its own entry falls back to. */
export const jurisdictionKeySchema = z
  .string()
  .superRefine((code, ctx) => {
    if (code === "*") return;
    const check = checkJurisdiction(code);
    if (!check.ok) ctx.addIssue({ code: "custom", message: check.problem });
  })
  .meta({ pattern: "^(\\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$" });
