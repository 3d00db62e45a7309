/**
 * The clocks a request runs on, per regime and instrument (docs/regimes.md#clocks). Pure: the moment of
 * receipt is passed in, so the boundaries are tested with a fake clock.
 */
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import type { Process } from "../domain/vocabulary.js";
import { DAY_MS, HOUR_MS } from "../shared/time.js";

/** How long the desk has to answer US process, from receipt: emergencies within the day. */
export const ANSWER_WITHIN_DAYS: Partial<Record<Process, number>> = { emergency: 1, preservation: 2 };
const DEFAULT_ANSWER_WITHIN_DAYS = 30;

/** Regulation (EU) 2023/1543: Art. 10(3) ten days, Art. 10(4) eight hours, Art. 11(1) sixty days. */
export const EPOC_DAYS = 10;
export const EPOC_EMERGENCY_HOURS = 8;
export const EPOC_PR_DAYS = 60;
/** Art. 11(1): an EPOC-PR is extended once, by 30 days, on Annex VI. */
export const EPOC_PR_EXTENSION_DAYS = 30;
/** Art. 12(1)-(2): the enforcing authority raises a ground within 10 days of notification, 96 hours in an emergency. */
export const OBJECTION_DAYS = 10;
export const OBJECTION_EMERGENCY_HOURS = 96;
/** Art. 17(1): a reasoned objection for conflicting third-country law, within 10 days of receiving the EPOC. */
export const CONFLICT_OBJECTION_DAYS = 10;

export interface AnswerClock {
  /** When the answer is due: what the request's deadline_at holds and the desk sorts by. */
  dueAt: Date;
  /** Where the deadline comes from, for a person: `Art. 10(3) Regulation (EU) 2023/1543: 10 days from receipt`. */
  basis: string;
  /** When the desk is reminded (and escalated) if the request is still open; never after dueAt. */
  remindAt: Date;
  /** Where the clock started: what a resumed clock is recomputed from (request.clock_started_at). */
  startedAt: Date;
}

/** A time the provider waited on the authority (an Annex III clarification, from asking to its answer). */
export interface ClockPause {
  from: Date;
  to: Date;
}

export interface ClockInput {
  /** When the request was sent, as the document says. */
  receivedAt: string;
  /** When Custodian received it. */
  now: Date;
  process: Process;
  legalBasis?: Pick<LegalBasis, "regime" | "instrument" | "emergency" | "deadline"> | null | undefined;
  /** Finished waits on the authority: each moves the deadline by the time waited. */
  pauses?: readonly ClockPause[] | undefined;
}

/**
 * The answer deadline. The clock starts at receipt: the later of the document's receivedAt and the moment
 * Custodian took it in (a document dated ahead is not given extra time, one that waited in the post does
 * not lose it). A deadline the form sets itself wins when it is earlier than the statutory one.
 *
 * While the provider waits on the authority (a clarification asked on Annex III) the clock stands still: a
 * pause begun while the order was still in time (at or before the deadline as moved so far) moves the
 * deadline and the reminder by the time waited; one begun after the deadline gives no time back.
 */
export function answerClock(input: ClockInput): AnswerClock {
  const start = Math.max(Date.parse(input.receivedAt), input.now.getTime());
  const basis = input.legalBasis;
  let due: number;
  let why: string;
  let lead: number;
  if (basis?.regime === "eu_e_evidence" && basis.instrument === "epoc") {
    if (basis.emergency) {
      due = start + EPOC_EMERGENCY_HOURS * HOUR_MS;
      why = "Art. 10(4) Regulation (EU) 2023/1543: an emergency EPOC within 8 hours of receipt";
      lead = 2 * HOUR_MS;
    } else {
      due = start + EPOC_DAYS * DAY_MS;
      why = "Art. 10(3) Regulation (EU) 2023/1543: an EPOC within 10 days of receipt";
      lead = 3 * DAY_MS;
    }
  } else {
    const days = ANSWER_WITHIN_DAYS[input.process] ?? DEFAULT_ANSWER_WITHIN_DAYS;
    due = start + days * DAY_MS;
    why = `${days} days from receipt (${input.process})`;
    lead = Math.min(3, days / 2) * DAY_MS;
  }
  if (basis?.deadline !== undefined && Date.parse(basis.deadline) < due) {
    due = Date.parse(basis.deadline);
    why = "the deadline the order sets itself";
    lead = Math.min(lead, (due - start) / 4);
  }
  let waited = 0;
  for (const pause of [...(input.pauses ?? [])].sort((a, b) => a.from.getTime() - b.from.getTime())) {
    if (pause.from.getTime() > due) continue;
    const length = Math.max(0, pause.to.getTime() - pause.from.getTime());
    due += length;
    waited += length;
  }
  if (waited > 0) why = `${why}, moved by ${formatWait(waited)} waiting on the authority (Annex III)`;
  // A reminder that would fall before receipt (a form deadline an hour away) is sent at once.
  return {
    dueAt: new Date(due),
    basis: why,
    remindAt: new Date(Math.max(start, due - lead)),
    startedAt: new Date(start),
  };
}

function formatWait(ms: number): string {
  const hours = ms / HOUR_MS;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((ms / DAY_MS) * 10) / 10} days`;
}

/**
 * How long a preservation hold keeps the data: 60 days for an EU order (Art. 11(1); the EPOC's own hold
 * too, Art. 10(1), until it is answered), 90 days under 18 U.S.C. 2703(f) otherwise.
 */
export function preservationDays(legalBasis: Pick<LegalBasis, "regime"> | null | undefined): number {
  return legalBasis?.regime === "eu_e_evidence" ? EPOC_PR_DAYS : 90;
}

/** An EU production order is preserved on receipt (Art. 10(1)), before anyone has looked at it. */
export function preservesOnReceipt(legalBasis: Pick<LegalBasis, "regime" | "instrument"> | null | undefined): boolean {
  return legalBasis?.regime === "eu_e_evidence" && legalBasis.instrument === "epoc";
}

/** What a renewal of a hold adds: 30 days once for an EU order (Annex VI), 90 under 18 U.S.C. 2703(f). */
export function preservationExtensionDays(regime: string | null | undefined): number {
  return regime === "eu_e_evidence" ? EPOC_PR_EXTENSION_DAYS : 90;
}

/**
 * Until when the enforcing authority may raise a ground for refusal (Art. 12(1)) from its notification:
 * 10 days, or 96 hours for an emergency; in time at the moment it closes.
 */
export function enforcingObjectionWindow(input: { notifiedAt: Date; emergency: boolean }): {
  closesAt: Date;
  basis: string;
} {
  return input.emergency
    ? {
        closesAt: new Date(input.notifiedAt.getTime() + OBJECTION_EMERGENCY_HOURS * HOUR_MS),
        basis: "Art. 12(2) Regulation (EU) 2023/1543: 96 hours from notification in an emergency",
      }
    : {
        closesAt: new Date(input.notifiedAt.getTime() + OBJECTION_DAYS * DAY_MS),
        basis: "Art. 12(1) Regulation (EU) 2023/1543: 10 days from notification",
      };
}

/** Until when the provider may object that an EPOC conflicts with a third country's law (Art. 17(1)). */
export function conflictObjectionDeadline(clockStartedAt: Date): { dueAt: Date; basis: string } {
  return {
    dueAt: new Date(clockStartedAt.getTime() + CONFLICT_OBJECTION_DAYS * DAY_MS),
    basis: "Art. 17(1) Regulation (EU) 2023/1543: a reasoned objection within 10 days of receipt",
  };
}
