import { z } from "zod";
import { quoted, text } from "../shared/validation.js";
import { calendarDateSchema } from "./domain.schema.js";
import {
  AUTHORITY_KINDS,
  type AuthorityKind,
  E_EVIDENCE_STATES,
  type EU_INSTRUMENTS,
  INSTRUMENTS,
  OFFENCE_CATEGORIES,
  type Process,
  REGIME_INSTRUMENTS,
  REGIMES,
} from "./vocabulary.js";

/**
 * The legal basis of a request (docs/regimes.md): the regime and instrument it is made under, who issued
 * and who validated it, for what offence, and what the form says of urgency and of informing the user.
 * A request document without one is the `us` regime, decided as it always was.
 */

export const regimeSchema = z.enum(REGIMES, {
  error: (issue) => `unknown regime ${quoted(issue.input)} (one of: ${REGIMES.join(", ")})`,
});

export const instrumentSchema = z.enum(INSTRUMENTS, {
  error: (issue) => `unknown instrument ${quoted(issue.input)} (one of: ${INSTRUMENTS.join(", ")})`,
});

export const authorityKindSchema = z.enum(AUTHORITY_KINDS, {
  error: (issue) => `unknown authority kind ${quoted(issue.input)} (one of: ${AUTHORITY_KINDS.join(", ")})`,
});

const authoritySchema = z.strictObject({
  name: text(300),
  kind: authorityKindSchema,
  /** The authority's file number, as the form's Section A gives it. */
  fileNumber: text(100).optional(),
});

const offenceSchema = z.strictObject({
  category: z.enum(OFFENCE_CATEGORIES, {
    error: (issue) => `unknown offence category ${quoted(issue.input)} (one of: ${OFFENCE_CATEGORIES.join(", ")})`,
  }),
  /** The maximum custodial sentence the issuing State's law sets for it, in months (Art. 5(4)(a)). */
  maximumSentenceMonths: z.int().min(0).max(1200),
  /** Wholly or partly committed by means of an information system: what Art. 5(4)(b) asks of a listed offence. */
  byInformationSystem: z.boolean().default(false),
  description: text(500).optional(),
});

const userInformationDelaySchema = z.strictObject({
  /** Art. 13(3): the issuing authority may delay, restrict or omit informing the person, giving its reason. */
  reason: text(2000),
  until: calendarDateSchema.optional(),
});

const euStateSchema = z.string().regex(/^[A-Z]{2}$/, { error: "must be an ISO 3166-1 alpha-2 country code like DE" });

/**
 * The issuing authority notified the enforcing authority (Art. 8(1)): which State's, and when (the EPOC is
 * sent to both at once). Its window for a ground for refusal runs from then (docs/regimes.md#the-enforcing-state).
 */
export const enforcingNotificationSchema = z.strictObject({
  enforcingState: euStateSchema,
  notifiedAt: z.iso.datetime({ offset: true }),
});

export const legalBasisSchema = z
  .strictObject({
    regime: regimeSchema,
    instrument: instrumentSchema,
    issuingAuthority: authoritySchema.optional(),
    validatingAuthority: authoritySchema.optional(),
    issuingState: euStateSchema.optional(),
    offence: offenceSchema.optional(),
    emergency: z.boolean().default(false),
    userInformationDelay: userInformationDelaySchema.optional(),
    /** A deadline the form sets itself; the statutory one applies when absent (docs/regimes.md#clocks). */
    deadline: z.iso.datetime({ offset: true }).optional(),
    /** The reference of the preservation an Annex V confirmation or Annex VI extension is about. */
    relatesTo: text(128).optional(),
    /** An EPOC for traffic or content data: the enforcing State's notification, as the order states it (Art. 8(1)). */
    enforcingNotification: enforcingNotificationSchema.optional(),
    /**
     * The issuing authority states Art. 8(2): the offence was, is being or is likely to be committed in the
     * issuing State and the person whose data are sought resides there, so no enforcing State is notified.
     */
    offenceAndPersonInIssuingState: z.boolean().default(false),
  })
  .superRefine((basis, ctx) => {
    const instruments = REGIME_INSTRUMENTS[basis.regime] as readonly string[];
    if (!instruments.includes(basis.instrument)) {
      ctx.addIssue({
        code: "custom",
        path: ["instrument"],
        message: `"${basis.instrument}" is not an instrument of the ${basis.regime} regime (one of: ${instruments.join(", ")})`,
      });
    }
    if (basis.regime !== "eu_e_evidence") return;
    const instrument = basis.instrument as (typeof EU_INSTRUMENTS)[number];
    // Every EU form names its issuing authority and State (Annex I-II Section A; Annex V-VI the same).
    if (!basis.issuingAuthority) {
      ctx.addIssue({ code: "custom", path: ["issuingAuthority"], message: `required for ${instrument}` });
    }
    if (!basis.issuingState) {
      ctx.addIssue({ code: "custom", path: ["issuingState"], message: `required for ${instrument}` });
    } else if (!(E_EVIDENCE_STATES as readonly string[]).includes(basis.issuingState)) {
      ctx.addIssue({
        code: "custom",
        path: ["issuingState"],
        message: `"${basis.issuingState}" is not a Member State bound by Regulation (EU) 2023/1543`,
      });
    }
    // Art. 5(4) cannot be judged without it, and only a production order is judged by it.
    if (instrument === "epoc" && !basis.offence) {
      ctx.addIssue({ code: "custom", path: ["offence"], message: "required for epoc (Art. 5(4) is judged by it)" });
    }
    if ((instrument === "annex_v_confirmation" || instrument === "annex_vi_extension") && !basis.relatesTo) {
      ctx.addIssue({
        code: "custom",
        path: ["relatesTo"],
        message: `required for ${instrument}: the reference of the EPOC-PR it is about`,
      });
    }
    if (basis.emergency && instrument !== "epoc") {
      ctx.addIssue({ code: "custom", path: ["emergency"], message: "only an epoc can be an emergency (Art. 10(4))" });
    }
    const notification = basis.enforcingNotification;
    if (notification && instrument !== "epoc") {
      ctx.addIssue({
        code: "custom",
        path: ["enforcingNotification"],
        message: "only an epoc is notified to the enforcing State (Art. 8(1))",
      });
    } else if (notification) {
      const problem = enforcingStateProblem(notification.enforcingState, basis.issuingState);
      if (problem)
        ctx.addIssue({ code: "custom", path: ["enforcingNotification", "enforcingState"], message: problem });
      if (basis.offenceAndPersonInIssuingState) {
        ctx.addIssue({
          code: "custom",
          path: ["offenceAndPersonInIssuingState"],
          message: "an order stating Art. 8(2) (offence and person in the issuing State) notifies no enforcing State",
        });
      }
    }
    if (basis.validatingAuthority && !VALIDATING_KINDS.includes(basis.validatingAuthority.kind)) {
      ctx.addIssue({
        code: "custom",
        path: ["validatingAuthority", "kind"],
        message: `a ${basis.validatingAuthority.kind} cannot validate an order (Art. 4(1)(b), 4(2)(b))`,
      });
    }
  });

/**
 * The enforcing State is the one where the order's addressee sits: a Member State bound by the Regulation
 * other than the issuing State (an order to an addressee in its own State is not cross-border).
 */
export function enforcingStateProblem(state: string, issuingState: string | null | undefined): string | undefined {
  if (!(E_EVIDENCE_STATES as readonly string[]).includes(state)) {
    return `"${state}" is not a Member State bound by Regulation (EU) 2023/1543`;
  }
  if (state === issuingState) return `must be another State than the issuing State (${state})`;
  return undefined;
}

/** Who may validate an order another authority issued (Art. 4(1)(b), 4(2)(b)). */
const VALIDATING_KINDS: readonly AuthorityKind[] = ["judge", "court", "investigating_judge", "public_prosecutor"];

export type LegalBasis = z.output<typeof legalBasisSchema>;

/**
 * What the request's `process` must be for its legal basis (docs/regimes.md#the-process-field), or
 * undefined where any process but preservation and emergency will do (a non-emergency EPOC or OPO: the
 * process is then how the provider files and reports it, and the engine does not decide by it).
 */
export function processRequiredBy(basis: LegalBasis): Process | undefined {
  switch (basis.regime) {
    case "us":
      return basis.instrument as Process;
    case "mlat":
      return "mlat";
    case "eu_e_evidence":
      if (basis.instrument === "epoc") return basis.emergency ? "emergency" : undefined;
      return "preservation";
    case "uk_us_daa":
      return basis.emergency ? "emergency" : undefined;
  }
}
