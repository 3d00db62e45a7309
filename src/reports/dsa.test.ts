import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import { bootstrapStaffUser } from "../auth/accounts.service.js";
import type { Principal } from "../authz/authz.js";
import { DSA_CATEGORIES, DSA_NOT_SPECIFIED, dsaCategoryOfOffence } from "../domain/dsa.js";
import type { OffenceCategory, Status } from "../domain/vocabulary.js";
import { EU_MEMBER_STATES } from "../domain/vocabulary.js";
import { canTransition, transition } from "../requests/lifecycle.js";
import { recordOrderFacts } from "../requests/order-facts.service.js";
import { intakeRequest } from "../requests/requests.service.js";
import { checkDsaBreakdowns, toDsaCsv } from "./dsa.format.js";
import { type DsaCell, readDsaReport } from "./dsa.repository.js";
import { periodBounds, type Year } from "./period.js";

/**
 * The DSA report's medians and counts, computed in SQL from the facts kept on each request (migration
 * 0026), equal a computation from the raw record alone: each request's original document (when it was
 * received, from where, under what process, the category it named) and its audit events (receipt
 * confirmed, category recorded, the first delivery or rejection). Random histories on both drivers, with
 * orders around the years' edges, confirmations by the intake answer and recorded later, recategorised
 * orders, and orders from outside the Union and preservation requests that must not count.
 */

const HOUR = 3_600_000;
const JURISDICTIONS = ["DE", "FR", "FR-75", "IT", "PL", "US", "GB"];
const PROCESSES = ["court_order", "search_warrant", "subpoena", "preservation"];
const YEARS: Year[] = ["2024", "2025", "2026"] as Year[];

const orderArb = fc.record({
  jurisdiction: fc.constantFrom(...JURISDICTIONS),
  process: fc.constantFrom(...PROCESSES),
  category: fc.option(fc.constantFrom(...DSA_CATEGORIES), { nil: undefined }),
  recategorise: fc.option(fc.constantFrom(...DSA_CATEGORIES), { nil: undefined }),
  // From Christmas 2024 to early January 2026: every year's edge is crossed.
  receivedAt: fc.integer({ min: Date.UTC(2024, 11, 25), max: Date.UTC(2026, 0, 6) }),
  confirm: fc.oneof(
    fc.constant({ by: "none" as const }),
    fc.constant({ by: "intake_answer" as const }),
    fc.record({ by: fc.constant("recorded" as const), afterMs: fc.integer({ min: 0, max: 96 * HOUR }) }),
  ),
  effect: fc.oneof(
    fc.constant({ to: "none" as const }),
    fc.record({
      to: fc.constantFrom("delivered" as const, "rejected" as const),
      afterMs: fc.integer({ min: 1000, max: 30 * 24 * HOUR }),
    }),
  ),
});
type Order = typeof orderArb extends fc.Arbitrary<infer T> ? T : never;

const PATHS: Record<"delivered" | "rejected", Status[]> = {
  delivered: ["under_review", "approved", "fulfilling", "delivered"],
  rejected: ["rejected"],
};

/** The interpolated median, as SQL's percentile_cont(0.5). */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  const low = sorted[Math.floor(mid)] as number;
  const high = sorted[Math.ceil(mid)] as number;
  return low + (high - low) * (mid - Math.floor(mid));
}

interface RawOrder {
  state: string;
  category: string;
  confirmSeconds: number | null;
  effectSeconds: number | null;
}

describe.each(DRIVERS)("the DSA report on %s", (driver) => {
  let database: TestDatabase;
  let staff: Principal;
  const agencies = new Map<string, string>();

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    for (const country of ["DE", "FR", "IT", "PL", "US", "GB"]) {
      agencies.set(country, await seedAgency(database.db, `Police ${country}`, country));
    }
    const email = "intake@provider.example";
    const { userId } = await bootstrapStaffUser(
      database.db,
      { operator: "cli:test" },
      { email, displayName: "intake", role: "intake", password: "correct horse battery staple" },
      new Date(),
    );
    staff = { userId, email, role: "intake", agencyId: null, via: "session", scopes: "all" };
  });
  afterAll(async () => {
    await database?.drop();
  });

  const record = async (order: Order) => {
    const receivedAt = new Date(order.receivedAt);
    const { id } = await intakeRequest(database.db, {
      agencyId: agencies.get(order.jurisdiction.slice(0, 2)) as string,
      originalDocument: requestDocument({
        jurisdiction: order.jurisdiction,
        process: order.process,
        receivedAt: receivedAt.toISOString(),
        ...(order.category ? { illegalContentCategory: order.category } : {}),
      }),
      actor: staff.email,
      now: new Date(order.receivedAt + 1000),
      agencyVerified: true,
      submittedBy: staff.userId,
      confirmsReceipt: order.confirm.by === "intake_answer",
    });
    if (order.confirm.by === "recorded") {
      const at = new Date(order.receivedAt + order.confirm.afterMs);
      await recordOrderFacts(database.db, staff, id, { receiptConfirmedAt: at }, new Date(at.getTime() + 1000));
    }
    if (order.recategorise) {
      await recordOrderFacts(database.db, staff, id, { illegalContentCategory: order.recategorise }, new Date());
    }
    if (order.effect.to !== "none") {
      const at = new Date(order.receivedAt + order.effect.afterMs);
      for (const to of PATHS[order.effect.to]) {
        const { status } = await database.db
          .selectFrom("request")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        if (!canTransition(status as Status, to)) break;
        await database.db
          .transaction()
          .execute((tx) => transition(tx, id, { to, actor: staff.email, reason: "test", now: at }));
      }
    }
  };

  /** Every order of `year` from the raw record: the documents as they arrived and the audit trail. */
  const rawOrders = async (year: Year): Promise<RawOrder[]> => {
    const { start, end } = periodBounds(year);
    const requests = await database.db.selectFrom("request").select(["id", "original_document"]).execute();
    const events = await database.db
      .selectFrom("audit_event")
      .select(["object_id", "action", "payload", "occurred_at"])
      .where("object_type", "=", "request")
      .where("action", "in", ["request.receipt_confirmed", "request.category_recorded", "request.transitioned"])
      .orderBy("id")
      .execute();
    const out: RawOrder[] = [];
    for (const request of requests) {
      const doc = JSON.parse(request.original_document) as {
        receivedAt: string;
        jurisdiction: string;
        process: string;
        illegalContentCategory?: string;
        legalBasis?: { offence?: { category: OffenceCategory } };
      };
      const receivedAt = Date.parse(doc.receivedAt);
      const state = doc.jurisdiction.slice(0, 2);
      if (receivedAt < start.getTime() || receivedAt >= end.getTime()) continue;
      if (doc.process === "preservation" || !(EU_MEMBER_STATES as readonly string[]).includes(state)) continue;
      const own = events.filter((e) => e.object_id === request.id);
      const payload = (e: (typeof own)[number]) =>
        (typeof e.payload === "string" ? JSON.parse(e.payload) : e.payload) as Record<string, string>;
      const recategorised = own.filter((e) => e.action === "request.category_recorded").at(-1);
      const confirmed = own.find((e) => e.action === "request.receipt_confirmed");
      const answered = own.find(
        (e) => e.action === "request.transitioned" && ["delivered", "rejected"].includes(payload(e).to as string),
      );
      out.push({
        state,
        category:
          (recategorised && payload(recategorised).category) ??
          doc.illegalContentCategory ??
          dsaCategoryOfOffence(doc.legalBasis?.offence?.category) ??
          DSA_NOT_SPECIFIED,
        confirmSeconds: confirmed ? (Date.parse(payload(confirmed).at as string) - receivedAt) / 1000 : null,
        effectSeconds: answered ? (answered.occurred_at.getTime() - receivedAt) / 1000 : null,
      });
    }
    return out;
  };

  const cellsFrom = (orders: RawOrder[]): Map<string, Omit<DsaCell, "memberState" | "category">> => {
    const groups = new Map<string, RawOrder[]>([["*|*", []]]);
    for (const order of orders) {
      for (const key of ["*|*", `*|${order.category}`, `${order.state}|*`, `${order.state}|${order.category}`]) {
        groups.set(key, [...(groups.get(key) ?? []), order]);
      }
    }
    const cells = new Map<string, Omit<DsaCell, "memberState" | "category">>();
    for (const [key, group] of groups) {
      const confirms = group.flatMap((o) => (o.confirmSeconds === null ? [] : [o.confirmSeconds]));
      const effects = group.flatMap((o) => (o.effectSeconds === null ? [] : [o.effectSeconds]));
      cells.set(key, {
        orders: group.length,
        confirmed: confirms.length,
        medianConfirmSeconds: median(confirms),
        answered: effects.length,
        medianEffectSeconds: median(effects),
      });
    }
    return cells;
  };

  it("has the medians and counts that the raw documents and audit events give, for every cut", async () => {
    let withMedians = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(orderArb, { minLength: 1, maxLength: 12 }), async (orders) => {
        for (const order of orders) await record(order);
        for (const year of YEARS) {
          const sql = await readDsaReport(database.db, year);
          const expected = cellsFrom(await rawOrders(year));
          const got = new Map(
            sql.map(({ memberState, category, ...rest }) => [`${memberState ?? "*"}|${category ?? "*"}`, rest]),
          );
          expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [key, want] of expected) {
            const cell = got.get(key);
            expect({ key, orders: cell?.orders, confirmed: cell?.confirmed, answered: cell?.answered }).toEqual({
              key,
              orders: want.orders,
              confirmed: want.confirmed,
              answered: want.answered,
            });
            for (const field of ["medianConfirmSeconds", "medianEffectSeconds"] as const) {
              if (want[field] === null) expect(cell?.[field], `${key} ${field}`).toBeNull();
              else expect(cell?.[field], `${key} ${field}`).toBeCloseTo(want[field], 3);
            }
            if (want.medianConfirmSeconds !== null && want.medianEffectSeconds !== null) withMedians += 1;
          }
          // The cuts add up, so the CSV is produced.
          expect(() => checkDsaBreakdowns(sql)).not.toThrow();
          expect(toDsaCsv(year, "Test", sql)).toContain(`${year}-01-01/${year}-12-31`);
        }
      }),
      { numRuns: 8 },
    );
    expect(withMedians).toBeGreaterThan(0);
  }, 300_000);
});
