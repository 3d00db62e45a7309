import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import {
  activateExamplePolicy,
  REVIEWED,
  requestDocument,
  seedAgency,
  TEST_OPERATOR,
} from "../../test/support/fixtures.js";
import { STATUSES, type Status } from "../domain/vocabulary.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { importLedger } from "../ledger/ledger.service.js";
import { canTransition, transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { recordReview } from "../requests/reviews.service.js";
import { DomainError } from "../shared/errors.js";
import { PERIOD_KINDS, periodOf } from "./period.js";
import { readReport, recomputeReport } from "./report.repository.js";

/** The year, half-year and quarter a moment falls in. */
const PERIODS_OF = (at: Date) => PERIOD_KINDS.map((kind) => periodOf(at, kind));

/**
 * The rollup the triggers keep must equal the report computed from scratch after any sequence of
 * intakes (one at a time and several at once), transitions, reviews, pauses, resumes and ledger
 * imports. Checked after every step, on both drivers, for every kind of period (years, half-years and
 * quarters, all summed from the quarter keys the rollup keeps).
 */

const JURISDICTIONS = ["US", "US-CA", "HK", "FR", "FR-75", "GB", "DE"];
const COUNTRIES = ["US", "HK", "FR", "GB", "DE"];
const PROCESSES = ["subpoena", "court_order", "search_warrant", "emergency", "preservation", "national_security"];
const CATEGORY_SETS = [
  ["subscriber.phone"],
  ["records.ip_logs", "subscriber.name"],
  ["content.posts", "content.messages"],
  ["subscriber.billing"],
];

const intakeArb = fc.record({
  kind: fc.constant("intake" as const),
  jurisdiction: fc.constantFrom(...JURISDICTIONS),
  process: fc.constantFrom(...PROCESSES),
  categories: fc.constantFrom(...CATEGORY_SETS),
  accounts: fc.integer({ min: 1, max: 4 }),
  // Any moment of 2019–2021, so requests fall in six different half-years.
  receivedAt: fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2022, 0, 1) - 1 }),
});

type IntakeOp = typeof intakeArb extends fc.Arbitrary<infer T> ? T : never;

const opArb = fc.oneof(
  { weight: 5, arbitrary: intakeArb },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      intakes: fc.array(intakeArb, { minLength: 2, maxLength: 5 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("transition" as const),
      pick: fc.nat(),
      to: fc.constantFrom(...STATUSES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("review" as const), pick: fc.nat(), approve: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const), country: fc.constantFrom(...COUNTRIES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("resume" as const), country: fc.constantFrom(...COUNTRIES) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("import" as const),
      rows: fc.array(
        fc.record({
          jurisdiction: fc.constantFrom(...JURISDICTIONS),
          process: fc.constantFrom(...PROCESSES),
          accounts: fc.integer({ min: 0, max: 9 }),
          outcome: fc.constantFrom("produced", "rejected", "no_data", "preserved"),
          day: fc.integer({ min: 0, max: 1095 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
);

describe.each(DRIVERS)("report rollup on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  const ids: string[] = [];
  let imports = 0;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Police", "US");
  });
  afterAll(async () => {
    await database?.drop();
  });

  const now = () => new Date();
  const intake = async (op: IntakeOp) => {
    const emergency = op.process === "emergency" ? { justification: "threat to life", verified: true } : null;
    const { id } = await intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({
        jurisdiction: op.jurisdiction,
        process: op.process,
        categories: op.categories,
        receivedAt: new Date(op.receivedAt).toISOString(),
        targets: Array.from({ length: op.accounts }, (_, i) => ({ type: "account_id", value: `a-${i}` })),
        emergency,
      }),
      actor: "intake@test",
      now: now(),
      agencyVerified: true,
      emergencyVerified: true,
    });
    ids.push(id);
  };

  /** Refusals are part of the sequence (an approval of a decision that discloses nothing, say). */
  const allowRefusal = (error: unknown) => {
    if (!(error instanceof DomainError)) throw error;
  };

  it("equals the report recomputed from scratch after every step of random histories", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 35 }), async (ops) => {
        for (const op of ops) {
          switch (op.kind) {
            case "intake":
              await intake(op);
              break;
            case "burst":
              await Promise.all(op.intakes.map(intake));
              break;
            case "transition": {
              const id = ids[op.pick % Math.max(1, ids.length)];
              if (!id) break;
              const { status } = await database.db
                .selectFrom("request")
                .select("status")
                .where("id", "=", id)
                .executeTakeFirstOrThrow();
              if (!canTransition(status as Status, op.to)) break;
              await database.db
                .transaction()
                .execute((tx) => transition(tx, id, { to: op.to, actor: "desk", reason: "test", now: now() }))
                .catch(allowRefusal);
              break;
            }
            case "review": {
              const id = ids[op.pick % Math.max(1, ids.length)];
              if (!id) break;
              // Where the decision needs review, approval takes two people: a reviewer recommends first.
              if (op.approve) {
                await recordReview(database.db, id, {
                  ...REVIEWED,
                  reviewer: "reviewer",
                  verdict: "recommend_approve",
                  now: now(),
                }).catch(allowRefusal);
              }
              await recordReview(database.db, id, {
                ...REVIEWED,
                reviewer: "counsel",
                verdict: op.approve ? "approve" : "reject",
                now: now(),
              }).catch(allowRefusal);
              break;
            }
            case "pause":
            case "resume": {
              const change = { jurisdiction: op.country, reason: "test", by: TEST_OPERATOR, now: now() };
              // Pausing what is paused is refused, as it would only move the pause's start.
              await (op.kind === "pause"
                ? pauseJurisdiction(database.db, change)
                : resumeJurisdiction(database.db, change)
              ).catch(allowRefusal);
              break;
            }
            case "import": {
              imports += 1;
              const lines = op.rows.map(
                (r, i) =>
                  `L${imports}-${i},${new Date(Date.UTC(2019, 0, 1) + r.day * 86_400_000).toISOString()},${r.jurisdiction},Ledger agency,${r.process},${r.accounts},subscriber.name,${r.outcome}`,
              );
              await importLedger(
                database.db,
                `reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome\n${lines.join("\n")}\n`,
                { source: `ledger-${imports}.csv`, actor: "cli:test", now: now() },
              );
              break;
            }
          }
          // Every kind of period, each read as a whole series and as one period of it.
          const rollup = await readReport(database.db);
          expect(rollup).toEqual(await recomputeReport(database.db));
          for (const kind of ["year", "quarter"] as const) {
            expect(await readReport(database.db, { kind })).toEqual(await recomputeReport(database.db, { kind }));
          }
          for (const period of op.kind === "intake" ? PERIODS_OF(new Date(op.receivedAt)) : []) {
            expect(await readReport(database.db, period)).toEqual(await recomputeReport(database.db, period));
          }
          for (const row of rollup) {
            for (const key of ["produced", "held", "rejected", "noData"] as const) if (row[key] > 0) seen.add(key);
          }
        }
      }),
      { numRuns: 10 },
    );
    // The histories did reach every class at some step.
    expect(seen).toEqual(new Set(["produced", "held", "rejected", "noData"]));
  }, 300_000);
});
