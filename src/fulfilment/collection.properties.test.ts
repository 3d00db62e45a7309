import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { EXAMPLE_POLICY, requestDocument, seedAgency, TEST_OPERATOR } from "../../test/support/fixtures.js";
import {
  approve,
  readStream,
  seedOfficer,
  tarFiles,
  testArchiveStore,
  testKeyring,
} from "../../test/support/fulfilment.js";
import { CATEGORIES, type Category } from "../domain/vocabulary.js";
import type { Decision, DecisionItem } from "../policy/engine.js";
import { activatePolicy } from "../policy/policy.store.js";
import { recordDecision } from "../requests/decisions.repository.js";
import { transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { openProductionDownload } from "./download.service.js";
import { fulfilRequest } from "./fulfilment.service.js";
import { seedMessengerStore } from "./sources/messenger.seed.js";
import { messengerSource } from "./sources/messenger.source.js";
import { messengerStore } from "./sources/messenger.store.js";
import type { DataSourceFactory } from "./sources/source.js";

/**
 * Nothing outside the approved items ever leaves, whatever the decision says and whatever the data: over
 * random policies (categories absent, e2ee, or kept for a random number of days), random requests (targets
 * that exist or not, categories, periods) and random decisions (any action for any target and category,
 * including targets and categories the request never named), every record in the package must be one
 * the rules allow, checked here by an independent reading of the rules against the decrypted package.
 */

const DAY = 86_400_000;

const greedy: DataSourceFactory = (db) => {
  const inner = messengerSource(db);
  return {
    ...inner,
    read: (account, category) => inner.read(account, category, { from: null, to: new Date("9999-12-31T00:00:00Z") }),
  };
};
const ACTIONS = ["disclose", "withhold", "unavailable", "hold", "preserve"] as const;

type HeldAs = { kind: "absent" } | { kind: "held" } | { kind: "e2ee" } | { kind: "retention"; days: number };

const heldAs: fc.Arbitrary<HeldAs> = fc.oneof(
  fc.constant({ kind: "absent" as const }),
  { weight: 2, arbitrary: fc.constant({ kind: "held" as const }) },
  fc.constant({ kind: "e2ee" as const }),
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 400 }).map((days) => ({ kind: "retention" as const, days })) },
);

function policyText(version: number, dataMap: Record<Category, HeldAs>): string {
  const doc = parse(EXAMPLE_POLICY) as Record<string, unknown>;
  doc.version = `prop-${version}`;
  doc.rules = [];
  doc.dataMap = Object.fromEntries(
    Object.entries(dataMap)
      .filter(([, held]) => held.kind !== "absent")
      .map(([category, held]) => [
        category,
        held.kind === "e2ee" ? { e2ee: true } : held.kind === "retention" ? { retentionDays: held.days } : {},
      ]),
  );
  return stringify(doc);
}

describe.each(DRIVERS)("collection never exceeds the approved items (property) on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let officerId: string;
  let targetPool: Array<{ type: string; value: string; account: string | null }>;
  const keyring = testKeyring();
  const archives = testArchiveStore();
  let runs = 0;
  let produced = 0;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    agencyId = await seedAgency(database.db, "Property Police", "US");
    officerId = await seedOfficer(database.db, agencyId, "prop@police.example.gov");
    await seedMessengerStore(database.db, {
      accounts: 8,
      seed: 11,
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2020-12-31T00:00:00Z"),
    });
    const accounts = await messengerStore(database.db)
      .selectFrom("messenger_account")
      .selectAll()
      .orderBy("id")
      .execute();
    targetPool = [
      ...accounts.slice(0, 4).flatMap((a) => [
        { type: "account_id", value: a.id, account: a.id },
        { type: "username", value: a.username, account: a.id },
      ]),
      ...accounts.slice(4).flatMap((a) => (a.phone ? [{ type: "phone", value: a.phone, account: a.id }] : [])),
      { type: "username", value: "ghost_of_nobody", account: null },
      { type: "email", value: "nobody@example.invalid", account: null },
    ];
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("produces only disclose items of requested targets and categories the policy in force holds, in period", async () => {
    const scenario = fc.record({
      dataMap: fc.record(Object.fromEntries(CATEGORIES.map((c) => [c, heldAs])) as Record<Category, typeof heldAs>),
      targets: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 3 }),
      categories: fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 8 }),
      receivedDay: fc.integer({ min: 60, max: 360 }),
      // A source that ignores the period it is asked for: collection must filter on its own.
      greedySource: fc.boolean(),
      range: fc.option(fc.tuple(fc.integer({ min: 0, max: 360 }), fc.integer({ min: 0, max: 360 })), {
        nil: undefined,
      }),
      // Items over any target (including one the request does not name) and any category.
      items: fc.array(
        fc.record({
          target: fc.integer({ min: 0, max: 100 }),
          // Mostly items a plausible decision would hold, sometimes ones no decision should.
          foreign: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
          category: fc.nat(),
          anyCategory: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
          action: fc.oneof(
            { weight: 4, arbitrary: fc.constant("disclose" as const) },
            { weight: 1, arbitrary: fc.constantFrom(...ACTIONS) },
          ),
        }),
        { minLength: 1, maxLength: 30 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        runs += 1;
        const db = database.db;
        const targets = [...new Set(s.targets.map((i) => i % targetPool.length))].map(
          (i) => targetPool[i] as (typeof targetPool)[number],
        );
        const received = new Date(Date.parse("2020-01-01T12:00:00Z") + s.receivedDay * DAY);
        const iso = (day: number) =>
          new Date(Date.parse("2020-01-01T00:00:00Z") + day * DAY).toISOString().slice(0, 10);
        const range = s.range ? { from: iso(Math.min(...s.range)), to: iso(Math.max(...s.range)) } : undefined;
        await db
          .transaction()
          .execute((tx) => activatePolicy(tx, policyText(runs, s.dataMap), TEST_OPERATOR, received));
        const intake = await intakeRequest(db, {
          agencyId,
          originalDocument: requestDocument({
            receivedAt: received.toISOString(),
            process: "search_warrant",
            targets: targets.map(({ type, value }) => ({ type, value })),
            categories: s.categories,
            ...(range ? { dateRange: range } : {}),
          }),
          actor: "prop",
          now: received,
          agencyVerified: true,
        });
        const items: DecisionItem[] = s.items.map((item) => ({
          target: item.foreign
            ? "username:not_in_this_request"
            : `${(targets[item.target % targets.length] as (typeof targets)[number]).type}:${(targets[item.target % targets.length] as (typeof targets)[number]).value}`,
          category: item.anyCategory
            ? (CATEGORIES[item.category % CATEGORIES.length] as Category)
            : (s.categories[item.category % s.categories.length] as Category),
          action: item.action,
          rule: "property",
          reason: "random",
        }));
        const decision: Decision = {
          outcome: "comply_partial",
          policy: { name: "ExampleChat", version: `prop-${runs}` },
          needsReview: true,
          reviewReasons: [],
          humanRightsReview: false,
          items,
        };
        await db.transaction().execute(async (tx) => {
          await transition(tx, intake.id, { to: "under_review", actor: "prop", reason: "prop", now: received });
          await recordDecision(tx, intake.id, decision, "verification", "prop", received);
        });
        await approve(db, intake.id, received);
        const result = await fulfilRequest(db, {
          requestId: intake.id,
          actor: "prop",
          settings: {
            keyring,
            retentionDays: 30,
            downloadLinkDays: 14,
            emergencyNoticeDelayDays: 0,
            publicUrl: "https://c.example",
            archives,
          },
          now: () => new Date(received.getTime() + DAY),
          ...(s.greedySource ? { source: greedy } : {}),
        });
        const download = await openProductionDownload(db, {
          archives,
          productionId: result.productionId,
          actor: {
            userId: officerId,
            email: "prop@police.example.gov",
            role: "agency",
            agencyId,
            via: "session",
            mfa: true,
          },
          keyring,
          now: new Date(received.getTime() + 2 * DAY),
        });
        const files = await tarFiles(await readStream(download.stream));

        // The rules, read independently of collection.ts.
        const requested = new Map(targets.map((t) => [`${t.type}:${t.value}`, t]));
        const allowed = (target: string, category: Category) =>
          requested.has(target) &&
          s.categories.includes(category) &&
          s.dataMap[category].kind !== "absent" &&
          s.dataMap[category].kind !== "e2ee" &&
          items.some((i) => i.action === "disclose" && i.target === target && i.category === category);
        const expectedCategories = CATEGORIES.filter((c) => [...requested.keys()].some((t) => allowed(t, c)));
        const prefix = `${result.bagName}/data/`;
        const jsonFiles = [...files.keys()].filter(
          (n) => n.startsWith(prefix) && n.endsWith(".json") && !n.endsWith("summary.json"),
        );
        expect(jsonFiles.map((n) => n.slice(prefix.length, -5)).sort()).toEqual([...expectedCategories].sort());

        for (const name of jsonFiles) {
          const category = name.slice(prefix.length, -5) as Category;
          const held = s.dataMap[category];
          const body = JSON.parse((files.get(name) as Buffer).toString("utf8")) as {
            records: Array<{ target: string; account_id: string; at: string | null }>;
          };
          const csvLines = (files.get(name.replace(/\.json$/, ".csv")) as Buffer).toString("utf8").split("\r\n");
          expect(csvLines.length - 2).toBe(body.records.length);
          let from = range ? Date.parse(`${range.from}T00:00:00Z`) : Number.NEGATIVE_INFINITY;
          if (held.kind === "retention") from = Math.max(from, received.getTime() - held.days * DAY);
          const to = Math.min(range ? Date.parse(`${range.to}T00:00:00Z`) + DAY : Infinity, received.getTime());
          for (const record of body.records) {
            expect(allowed(record.target, category)).toBe(true);
            expect(record.account_id).toBe(requested.get(record.target)?.account);
            if (record.at === null) {
              expect(held.kind).toBe("held");
            } else {
              const t = Date.parse(record.at);
              expect(t >= from && t < to, `${category} ${record.at} outside [${from}, ${to})`).toBe(true);
            }
            produced += 1;
          }
        }
      }),
      { numRuns: driver === "pglite" ? 60 : 30 },
    );
    // The property is not vacuous: across the runs, records did leave.
    expect(produced).toBeGreaterThan(0);
  });
});
