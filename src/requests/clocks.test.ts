/** The clocks per regime and instrument (docs/regimes.md#clocks), on a fake clock, at both sides of each boundary. */
import { describe, expect, it } from "vitest";
import {
  answerClock,
  conflictObjectionDeadline,
  EPOC_DAYS,
  enforcingObjectionWindow,
  preservationDays,
  preservationExtensionDays,
  preservesOnReceipt,
} from "./clocks.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RECEIVED = "2026-12-01T08:00:00Z";
const at = (ms: number) => new Date(Date.parse(RECEIVED) + ms);
const EPOC = { regime: "eu_e_evidence", instrument: "epoc", emergency: false } as const;
const EMERGENCY = { ...EPOC, emergency: true } as const;

/** Whether the answer is still in time at `moment`, by the clock computed at receipt. */
const inTime = (clock: { dueAt: Date }, moment: Date) => moment.getTime() <= clock.dueAt.getTime();

describe("answerClock", () => {
  it("an EPOC: 10 days from receipt (Art. 10(3)); in time at 10 days, late a millisecond after", () => {
    const clock = answerClock({ receivedAt: RECEIVED, now: at(0), process: "court_order", legalBasis: EPOC });
    expect(clock.dueAt).toEqual(at(EPOC_DAYS * DAY));
    expect(clock.basis).toContain("Art. 10(3)");
    expect(inTime(clock, at(10 * DAY))).toBe(true);
    expect(inTime(clock, at(10 * DAY + 1))).toBe(false);
    expect(clock.remindAt).toEqual(at(7 * DAY));
  });

  it("an emergency EPOC: 8 hours (Art. 10(4)), reminded 2 hours before", () => {
    const clock = answerClock({ receivedAt: RECEIVED, now: at(0), process: "emergency", legalBasis: EMERGENCY });
    expect(clock.dueAt).toEqual(at(8 * HOUR));
    expect(inTime(clock, at(8 * HOUR))).toBe(true);
    expect(inTime(clock, at(8 * HOUR + 1))).toBe(false);
    expect(clock.remindAt).toEqual(at(6 * HOUR));
    expect(clock.basis).toContain("Art. 10(4)");
  });

  it("starts at the later of the document's date and Custodian's receipt", () => {
    const late = answerClock({ receivedAt: RECEIVED, now: at(3 * HOUR), process: "emergency", legalBasis: EMERGENCY });
    expect(late.dueAt).toEqual(at(11 * HOUR));
    const dated = answerClock({ receivedAt: RECEIVED, now: at(-1), process: "emergency", legalBasis: EMERGENCY });
    expect(dated.dueAt).toEqual(at(8 * HOUR));
  });

  it("a deadline the form sets wins only when it is earlier, and the reminder then falls before it", () => {
    const earlier = answerClock({
      receivedAt: RECEIVED,
      now: at(0),
      process: "court_order",
      legalBasis: { ...EPOC, deadline: at(4 * DAY).toISOString() },
    });
    expect(earlier.dueAt).toEqual(at(4 * DAY));
    expect(earlier.basis).toBe("the deadline the order sets itself");
    expect(earlier.remindAt).toEqual(at(3 * DAY));
    const later = answerClock({
      receivedAt: RECEIVED,
      now: at(0),
      process: "court_order",
      legalBasis: { ...EPOC, deadline: at(10 * DAY + 1).toISOString() },
    });
    expect(later.dueAt).toEqual(at(10 * DAY));
    const exactly = answerClock({
      receivedAt: RECEIVED,
      now: at(0),
      process: "court_order",
      legalBasis: { ...EPOC, deadline: at(10 * DAY).toISOString() },
    });
    expect(exactly.basis).toContain("Art. 10(3)");
  });

  it("US process keeps its clocks: 30 days, an emergency within the day, a preservation within 2 days", () => {
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "subpoena" }).dueAt).toEqual(at(30 * DAY));
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "subpoena" }).remindAt).toEqual(at(27 * DAY));
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "emergency" }).dueAt).toEqual(at(DAY));
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "emergency" }).remindAt).toEqual(at(DAY / 2));
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "preservation" }).dueAt).toEqual(at(2 * DAY));
    // Another regime's legal basis runs on the process's clock until it has one of its own.
    expect(
      answerClock({
        receivedAt: RECEIVED,
        now: at(0),
        process: "court_order",
        legalBasis: { regime: "uk_us_daa", instrument: "overseas_production_order", emergency: false },
      }).dueAt,
    ).toEqual(at(30 * DAY));
  });

  it("an EPOC-PR answers on the preservation clock and keeps its data 60 days; an EPOC is preserved on receipt", () => {
    const pr = { regime: "eu_e_evidence", instrument: "epoc_pr", emergency: false } as const;
    expect(answerClock({ receivedAt: RECEIVED, now: at(0), process: "preservation", legalBasis: pr }).dueAt).toEqual(
      at(2 * DAY),
    );
    expect(preservationDays(pr)).toBe(60);
    expect(preservationDays(null)).toBe(90);
    expect(preservesOnReceipt(EPOC)).toBe(true);
    expect(preservesOnReceipt(pr)).toBe(false);
    expect(preservesOnReceipt({ regime: "us", instrument: "court_order" })).toBe(false);
  });
});

describe("answerClock with waits on the authority (Annex III clarification)", () => {
  const clock = (pauses: Array<[number, number]>) =>
    answerClock({
      receivedAt: RECEIVED,
      now: at(0),
      process: "court_order",
      legalBasis: EPOC,
      pauses: pauses.map(([from, to]) => ({ from: at(from), to: at(to) })),
    });

  it("moves the deadline and the reminder by exactly the time waited: in time at the moved deadline, late 1 ms after", () => {
    const moved = clock([[2 * DAY, 4 * DAY + 5 * HOUR]]);
    expect(moved.dueAt).toEqual(at(12 * DAY + 5 * HOUR));
    expect(moved.remindAt).toEqual(at(9 * DAY + 5 * HOUR));
    expect(moved.basis).toContain("moved by 2.2 days waiting on the authority");
    expect(inTime(moved, at(12 * DAY + 5 * HOUR))).toBe(true);
    expect(inTime(moved, at(12 * DAY + 5 * HOUR + 1))).toBe(false);
    expect(moved.startedAt).toEqual(at(0));
  });

  it("a pause asked at the deadline itself still counts; one asked a millisecond after gives nothing back", () => {
    expect(clock([[10 * DAY, 11 * DAY]]).dueAt).toEqual(at(11 * DAY));
    expect(clock([[10 * DAY + 1, 11 * DAY]]).dueAt).toEqual(at(10 * DAY));
    expect(clock([[10 * DAY + 1, 11 * DAY]]).basis).not.toContain("moved");
  });

  it("adds every wait, in order: a second one begun after the first moved the deadline still counts", () => {
    // The first wait moves the deadline to day 13; a second asked on day 12 is in time and adds 2 more.
    expect(
      clock([
        [12 * DAY, 14 * DAY],
        [DAY, 4 * DAY],
      ]).dueAt,
    ).toEqual(at(15 * DAY));
    expect(clock([]).dueAt).toEqual(at(10 * DAY));
  });

  it("an emergency EPOC paused 3 hours is due 11 hours after receipt", () => {
    const paused = answerClock({
      receivedAt: RECEIVED,
      now: at(0),
      process: "emergency",
      legalBasis: EMERGENCY,
      pauses: [{ from: at(HOUR), to: at(4 * HOUR) }],
    });
    expect(paused.dueAt).toEqual(at(11 * HOUR));
    expect(paused.remindAt).toEqual(at(9 * HOUR));
  });
});

describe("the other clocks of Regulation (EU) 2023/1543", () => {
  it("the enforcing authority's window: 10 days from notification, 96 hours in an emergency (Art. 12)", () => {
    const window = enforcingObjectionWindow({ notifiedAt: at(0), emergency: false });
    expect(inTime({ dueAt: window.closesAt }, at(10 * DAY))).toBe(true);
    expect(inTime({ dueAt: window.closesAt }, at(10 * DAY + 1))).toBe(false);
    expect(window.basis).toContain("Art. 12(1)");
    const urgent = enforcingObjectionWindow({ notifiedAt: at(0), emergency: true });
    expect(inTime({ dueAt: urgent.closesAt }, at(96 * HOUR))).toBe(true);
    expect(inTime({ dueAt: urgent.closesAt }, at(96 * HOUR + 1))).toBe(false);
  });

  it("a conflict-of-laws objection within 10 days of receipt (Art. 17(1))", () => {
    const due = conflictObjectionDeadline(at(0));
    expect(inTime(due, at(10 * DAY))).toBe(true);
    expect(inTime(due, at(10 * DAY + 1))).toBe(false);
    expect(due.basis).toContain("Art. 17(1)");
  });

  it("a renewal adds 30 days to an EU hold (Annex VI), 90 to a US one (18 U.S.C. 2703(f))", () => {
    expect(preservationExtensionDays("eu_e_evidence")).toBe(30);
    expect(preservationExtensionDays("us")).toBe(90);
    expect(preservationExtensionDays(null)).toBe(90);
  });
});
