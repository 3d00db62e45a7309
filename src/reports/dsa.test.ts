import fc from "fast-check";
import { sql } from "kysely";
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
import {
  computeDsaReport,
  type DsaCell,
  readCachedDsaReport,
  readDsaReport,
  refreshDsaReport,
} from "./dsa.repository.js";
import { periodBounds, type Year } from "./period.js";

/**
 * The DSA report's medians and counts, computed in SQL from the facts kept on each request (migration
 * 0026), equal a computation from the raw record alone: each request's original document (when it was
 * received, from where, under what process, the category it named) and its audit events (receipt
 * confirmed, category recorded, the first delivery or rejection). Random histories on both drivers, with
 * orders around the years' edges, confirmations by the intake answer and recorded later, recategorised
 * orders, and orders from outside the Union and preservation requests that must not count.
 *
 * The report is served from its cache (migration 0033) while no fact it read has changed: after every step
 * of random histories that add orders and change existing ones (category, receipt confirmed, answered),
 * whatever the cache holds as current equals the uncached computation and the raw record; each kind of
 * change to an order of a year makes that year's cached result stale, and nothing else does; and on
 * PostgreSQL, a change committed while a result is being computed never leaves that result current.
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

/** A step of a history: a new order, or a change to one already recorded (`pick` chooses which). */
const stepArb = fc.oneof(
  { weight: 2, arbitrary: orderArb.map((order) => ({ kind: "order" as const, order })) },
  fc.record({
    kind: fc.constant("recategorise" as const),
    pick: fc.nat(),
    category: fc.constantFrom(...DSA_CATEGORIES),
  }),
  fc.record({
    kind: fc.constant("confirm" as const),
    pick: fc.nat(),
    afterMs: fc.integer({ min: 0, max: 96 * HOUR }),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("answer" as const),
      pick: fc.nat(),
      to: fc.constantFrom("delivered" as const, "rejected" as const),
      afterMs: fc.integer({ min: 1000, max: 30 * 24 * HOUR }),
    }),
  },
);
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

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
    if (order.effect.to !== "none")
      await answer(id, order.effect.to, new Date(order.receivedAt + order.effect.afterMs));
    return id;
  };

  /** Moves the request towards `to` (delivered or rejected) as far as its status allows, each move at `at`. */
  const answer = async (id: string, goal: "delivered" | "rejected", at: Date) => {
    for (const to of PATHS[goal]) {
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
  };

  /** One step of a history: a new order, or a change to the `pick`th request recorded (as staff or the desk would). */
  const apply = async (step: Step, recorded: string[]) => {
    if (step.kind === "order") {
      recorded.push(await record(step.order));
      return;
    }
    const id = recorded[step.pick % recorded.length];
    if (id === undefined) return;
    const row = await database.db
      .selectFrom("request")
      .select(["received_at", "receipt_confirmed_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    if (step.kind === "recategorise") {
      await recordOrderFacts(database.db, staff, id, { illegalContentCategory: step.category }, new Date());
    } else if (step.kind === "confirm") {
      if (row.receipt_confirmed_at) return; // a confirmation is never moved
      const at = new Date(row.received_at.getTime() + step.afterMs);
      await recordOrderFacts(database.db, staff, id, { receiptConfirmedAt: at }, new Date(at.getTime() + 1000));
    } else {
      await answer(id, step.to, new Date(row.received_at.getTime() + step.afterMs));
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

  /** The report of `year` as the raw record gives it, for every cut, against `cells`. */
  const expectRaw = async (year: Year, cells: DsaCell[]) => {
    const expected = cellsFrom(await rawOrders(year));
    const got = new Map(
      cells.map(({ memberState, category, ...rest }) => [`${memberState ?? "*"}|${category ?? "*"}`, rest]),
    );
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    let withMedians = 0;
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
    expect(() => checkDsaBreakdowns(cells)).not.toThrow();
    expect(toDsaCsv(year, "Test", cells)).toContain(`${year}-01-01/${year}-12-31`);
    return withMedians;
  };

  it("has the medians and counts that the raw documents and audit events give, for every cut, cached or not", async () => {
    let withMedians = 0;
    let hits = 0;
    let misses = 0;
    const recorded: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const step of steps) {
          await apply(step, recorded);
          // After every step, so a change the cache missed is seen at once; a step changes one year, so
          // the other years' results are served from the cache.
          for (const year of YEARS) {
            const cached = await readCachedDsaReport(database.db, year);
            const computed = await computeDsaReport(database.db, year);
            // What the cache holds as current is exactly the computation from the requests now.
            if (cached) {
              hits += 1;
              expect(cached).toEqual(computed);
            } else {
              misses += 1;
            }
            const served = await readDsaReport(database.db, year);
            expect(served).toEqual(computed);
            expect(await readCachedDsaReport(database.db, year)).toEqual(computed);
            withMedians += await expectRaw(year, served);
          }
        }
      }),
      { numRuns: 12 },
    );
    expect(withMedians).toBeGreaterThan(0);
    expect(hits).toBeGreaterThan(0);
    expect(misses).toBeGreaterThan(0);
  }, 300_000);

  /** A request row written directly (as an import or the bench does): no targets, documents or trail. */
  const insertRaw = async (jurisdiction: string, process: string, receivedAt: string) => {
    const { id } = await database.db
      .insertInto("request")
      .values({
        agency_id: agencies.get("DE") as string,
        reference: `RAW-${jurisdiction}-${process}-${receivedAt}-${Math.random()}`,
        received_at: new Date(receivedAt),
        jurisdiction,
        process,
        categories: ["subscriber.phone"],
        agency_verified: true,
        original_document: "{}",
        original_sha256: "0".repeat(64),
        status: "received",
        findings: [],
        accounts_specified: 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return id;
  };

  const generation = async (year: string) => {
    const { rows } = await sql<{ g: string | number }>`
      select coalesce(sum(generation), 0) as g from dsa_report_generation where year in (${year}, '*')`.execute(
      database.db,
    );
    return Number(rows[0]?.g);
  };

  it("bumps a year's generation for an order the report counts, and only for one", async () => {
    const counted = (EU_MEMBER_STATES as readonly string[]).flatMap((state) => [`${state}`, `${state}-X`]);
    for (const jurisdiction of [...counted, "US", "GB", "CH", "NO", "IS", "TR"]) {
      for (const process of ["court_order", "preservation", "emergency"]) {
        const before = await generation("2015");
        const orders = (await computeDsaReport(database.db, "2015" as Year))[0]?.orders;
        await insertRaw(jurisdiction, process, "2015-06-01T00:00:00Z");
        const isOrder = counted.includes(jurisdiction) && process !== "preservation";
        expect({ jurisdiction, process, bumped: (await generation("2015")) > before }).toEqual({
          jurisdiction,
          process,
          bumped: isOrder,
        });
        expect((await computeDsaReport(database.db, "2015" as Year))[0]?.orders).toBe(
          (orders ?? 0) + (isOrder ? 1 : 0),
        );
      }
    }
  }, 120_000);

  it("answers from the cache until a fact of an order of the year changes, whatever changes it", async () => {
    const year = "2019" as Year;
    const order = {
      jurisdiction: "DE",
      process: "court_order",
      category: undefined,
      recategorise: undefined,
      receivedAt: Date.UTC(2019, 4, 1),
      confirm: { by: "none" as const },
      effect: { to: "none" as const },
    };
    const id = await record(order);
    const fresh = async () => {
      const cells = await readDsaReport(database.db, year);
      expect(cells).toEqual(await computeDsaReport(database.db, year));
      expect(await readCachedDsaReport(database.db, year)).toEqual(cells);
      return cells;
    };
    const stays = async (what: string) => {
      expect(await readCachedDsaReport(database.db, year), `${what} leaves the cache current`).not.toBeNull();
    };
    const invalidates = async (what: string) => {
      expect(await readCachedDsaReport(database.db, year), `${what} makes the cache stale`).toBeNull();
      return fresh();
    };
    const total = (cells: DsaCell[]) => cells.find((c) => c.memberState === null && c.category === null);
    expect(total(await fresh())?.orders).toBe(1);

    // What the report does not count, or counts in another year, leaves it current.
    await record({ ...order, jurisdiction: "US" });
    await stays("an order from outside the Union");
    await record({ ...order, process: "preservation" });
    await stays("a preservation request");
    await record({ ...order, receivedAt: Date.UTC(2018, 4, 1) });
    await stays("an order of another year");
    await database.db.updateTable("request").set({ agency_verified: false }).where("id", "=", id).execute();
    await stays("a change to a column the report does not read");
    await database.db.transaction().execute((tx) =>
      transition(tx, id, {
        to: "under_review",
        actor: staff.email,
        reason: "test",
        now: new Date(Date.UTC(2019, 4, 2)),
      }),
    );
    await stays("a move that gives no effect");

    // Every fact the report reads, each change made by the code that makes it, or directly.
    await record({ ...order, receivedAt: Date.UTC(2019, 11, 31, 23, 59) });
    expect(total(await invalidates("a new order of the year"))?.orders).toBe(2);
    await recordOrderFacts(database.db, staff, id, { illegalContentCategory: DSA_CATEGORIES[0] }, new Date());
    expect((await invalidates("a category recorded")).some((c) => c.category === DSA_CATEGORIES[0])).toBe(true);
    const confirmedAt = new Date(Date.UTC(2019, 4, 1, 6));
    await recordOrderFacts(database.db, staff, id, { receiptConfirmedAt: confirmedAt }, new Date());
    expect(total(await invalidates("a receipt confirmed"))?.medianConfirmSeconds).toBe(6 * 3600);
    await database.db
      .transaction()
      .execute((tx) =>
        transition(tx, id, { to: "rejected", actor: staff.email, reason: "test", now: new Date(Date.UTC(2019, 4, 3)) }),
      );
    expect(total(await invalidates("an order answered"))?.medianEffectSeconds).toBe(2 * 24 * 3600);
    await database.db.updateTable("request").set({ jurisdiction: "FR-75" }).where("id", "=", id).execute();
    expect((await invalidates("a jurisdiction corrected")).some((c) => c.memberState === "FR")).toBe(true);
    await database.db.updateTable("request").set({ process: "preservation" }).where("id", "=", id).execute();
    expect(total(await invalidates("an order made a preservation"))?.orders).toBe(1);
    await database.db.updateTable("request").set({ process: "search_warrant" }).where("id", "=", id).execute();
    expect(total(await invalidates("a preservation made an order"))?.orders).toBe(2);
    // Moved to the year before: both years' results go stale.
    const before = "2018" as Year;
    const cachedBefore = await readDsaReport(database.db, before);
    await database.db
      .updateTable("request")
      .set({ received_at: new Date(Date.UTC(2018, 11, 31)) })
      .where("id", "=", id)
      .execute();
    expect(await readCachedDsaReport(database.db, before)).toBeNull();
    expect(total(await readDsaReport(database.db, before))?.orders).toBe((total(cachedBefore)?.orders ?? 0) + 1);
    expect(total(await invalidates("an order moved to another year"))?.orders).toBe(1);
    const raw = await insertRaw("PL", "court_order", "2019-03-01T00:00:00Z");
    expect(total(await invalidates("an order imported"))?.orders).toBe(2);
    await database.db.deleteFrom("request").where("id", "=", raw).execute();
    expect(total(await invalidates("an order deleted"))?.orders).toBe(1);
    await database.db.updateTable("request").set({ illegal_content_category: null }).where("id", "=", id).execute();
    await stays("a change to an order of another year");
    await sql`truncate request cascade`.execute(database.db);
    expect(total(await invalidates("every request truncated"))?.orders).toBe(0);
  }, 120_000);

  it("never takes for current a result computed while a change was being committed (PostgreSQL)", async (context) => {
    if (driver !== "postgres") return context.skip(); // one connection: nothing commits during a statement
    const year = "2017" as Year;
    const order = {
      jurisdiction: "IT",
      process: "court_order",
      category: undefined,
      recategorise: undefined,
      receivedAt: Date.UTC(2017, 2, 1),
      confirm: { by: "none" as const },
      effect: { to: "none" as const },
    };
    const id = await record(order);
    const categoryOf = (cells: DsaCell[]) => cells.find((c) => c.memberState === "IT" && c.category !== null)?.category;

    // The result computed from a snapshot taken before a change that commits before it is stored.
    const stale = await database.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (tx) => {
        await sql`select count(*) from request`.execute(tx); // the snapshot
        await recordOrderFacts(database.db, staff, id, { illegalContentCategory: DSA_CATEGORIES[1] }, new Date());
        return refreshDsaReport(tx, year);
      });
    expect(categoryOf(stale)).toBe(DSA_NOT_SPECIFIED);
    expect(await readCachedDsaReport(database.db, year)).toBeNull();
    expect(categoryOf(await readDsaReport(database.db, year))).toBe(DSA_CATEGORIES[1]);

    // The result computed while a change is written but not committed, stored before it commits.
    let written!: () => void;
    let commit!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const mayCommit = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const writer = database.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("request")
        .set({ illegal_content_category: DSA_CATEGORIES[2] })
        .where("id", "=", id)
        .execute();
      written();
      await mayCommit;
    });
    await wrote;
    expect(categoryOf(await refreshDsaReport(database.db, year))).toBe(DSA_CATEGORIES[1]);
    expect(await readCachedDsaReport(database.db, year)).not.toBeNull();
    commit();
    await writer;
    expect(await readCachedDsaReport(database.db, year)).toBeNull();
    expect(categoryOf(await readDsaReport(database.db, year))).toBe(DSA_CATEGORIES[2]);
  }, 120_000);
});
