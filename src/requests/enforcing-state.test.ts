/** The enforcing State's gate (docs/regimes.md#the-enforcing-state) on a fake clock, at both sides of the window. */
import { describe, expect, it } from "vitest";
import { enforcingObjectionWindow } from "./clocks.js";
import {
  type EnforcingAnswer,
  type EnforcingState,
  enforcingGate,
  enforcingRelease,
  useBarredAfterDelivery,
  waitEndsAt,
} from "./enforcing-state.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOTIFIED = Date.parse("2026-12-01T10:00:00Z");
const at = (ms: number) => new Date(NOTIFIED + ms);

function notified(emergency: boolean, answers: EnforcingAnswer[] = []): EnforcingState {
  return {
    enforcingState: "DE",
    notifiedAt: at(0),
    windowClosesAt: enforcingObjectionWindow({ notifiedAt: at(0), emergency }).closesAt,
    emergency,
    answers,
  };
}

const answer = (kind: EnforcingAnswer["kind"], extra: Partial<EnforcingAnswer> = {}): EnforcingAnswer => ({
  kind,
  grounds: [],
  categories: [],
  conditions: null,
  answeredAt: at(DAY),
  inTime: true,
  afterDelivery: false,
  ...extra,
});

describe("enforcingRelease", () => {
  it("holds traffic and content back until the 10-day window has closed: waiting at its last moment, released a millisecond after", () => {
    const state = notified(false);
    for (const category of ["traffic", "content"] as const) {
      const last = enforcingRelease(state, category, at(10 * DAY));
      expect(last).toMatchObject({ release: false, waitUntil: at(10 * DAY) });
      expect(last.release ? "" : last.reason).toContain("Art. 10(2)");
      expect(enforcingRelease(state, category, at(10 * DAY + 1))).toEqual({ release: true });
    }
  });

  it("never holds back subscriber or identification data, nor anything of an order no enforcing State was notified of", () => {
    const state = notified(false);
    expect(enforcingRelease(state, "subscriber", at(0))).toEqual({ release: true });
    expect(enforcingRelease(state, "identification", at(0))).toEqual({ release: true });
    expect(enforcingRelease(null, "content", at(0))).toEqual({ release: true });
    // A category the policy places in none of the four is not the gate's to judge (the engine withheld it).
    expect(enforcingRelease(state, undefined, at(0))).toEqual({ release: true });
  });

  it("an emergency is not suspended (Art. 8(4)): content leaves at once, and a refusal within 96 hours still bars it", () => {
    const state = notified(true);
    expect(state.windowClosesAt).toEqual(at(96 * HOUR));
    expect(enforcingRelease(state, "content", at(0))).toEqual({ release: true });
    const refused = notified(true, [answer("objection", { grounds: ["ne_bis_in_idem"], categories: ["content"] })]);
    const verdict = enforcingRelease(refused, "content", at(HOUR));
    expect(verdict).toMatchObject({ release: false, waitUntil: null, grounds: ["ne_bis_in_idem"] });
    expect(verdict.release ? "" : verdict.reason).toContain("Art. 12(1)(c)");
    expect(enforcingRelease(refused, "traffic", at(HOUR))).toEqual({ release: true });
  });

  it('"no ground" ends the wait before the window closes (Art. 10(2)); conditions do too', () => {
    expect(enforcingRelease(notified(false, [answer("no_ground")]), "content", at(DAY))).toEqual({ release: true });
    expect(
      enforcingRelease(
        notified(false, [answer("conditions", { conditions: "only for the fraud case" })]),
        "traffic",
        at(DAY),
      ),
    ).toEqual({ release: true });
  });

  it("a refusal bars the categories it names for good, in the window, after it, and when it came late", () => {
    const state = notified(false, [
      answer("refusal", { grounds: ["press_freedom", "fundamental_rights"], categories: ["content"], inTime: false }),
    ]);
    for (const moment of [at(DAY), at(10 * DAY), at(30 * DAY)]) {
      const verdict = enforcingRelease(state, "content", moment);
      expect(verdict.release).toBe(false);
      expect(verdict.release ? "" : verdict.reason).toMatch(/Art\. 12\(1\)\(a\).*Art\. 12\(1\)\(b\)/);
    }
    // The authority answered: what it did not refuse is no longer held.
    expect(enforcingRelease(state, "traffic", at(DAY))).toEqual({ release: true });
  });
});

describe("enforcingGate over a decision's items", () => {
  const items = [
    { target: "email:a@example.org", category: "subscriber.name", eu: "subscriber" as const },
    { target: "email:a@example.org", category: "records.connections", eu: "traffic" as const },
    { target: "email:a@example.org", category: "content.messages", eu: "content" as const },
  ];

  it("waits with traffic and content in the window, and names when the wait ends", () => {
    const gate = enforcingGate(notified(false), items, (i) => i.eu, at(DAY));
    expect(gate.waiting.map((w) => w.category)).toEqual(["records.connections", "content.messages"]);
    expect(gate.refused).toEqual([]);
    expect(waitEndsAt(notified(false), at(DAY))).toEqual(at(10 * DAY));
    expect(waitEndsAt(notified(false), at(10 * DAY + 1))).toBeNull();
    expect(waitEndsAt(notified(true), at(0))).toBeNull();
  });

  it("after a refusal of content, only content is left out; subscriber and traffic go", () => {
    const state = notified(false, [
      answer("refusal", { grounds: ["immunities_or_privileges"], categories: ["content"] }),
    ]);
    const gate = enforcingGate(state, items, (i) => i.eu, at(DAY));
    expect(gate.waiting).toEqual([]);
    expect(gate.refused).toEqual([
      {
        target: "email:a@example.org",
        category: "content.messages",
        reason: expect.stringContaining("refused content"),
      },
    ]);
  });

  it("an objection after delivery says which data may not be used", () => {
    const state = notified(true, [
      answer("objection", { grounds: ["double_criminality"], categories: ["traffic", "content"], afterDelivery: true }),
    ]);
    expect(useBarredAfterDelivery(state)).toEqual(["content", "traffic"]);
    expect(useBarredAfterDelivery(notified(false, [answer("no_ground")]))).toEqual([]);
  });
});
