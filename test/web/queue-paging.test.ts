import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor, listRequests } from "../../src/requests/request.queries.js";
import { DRIVERS } from "../support/db.js";
import { type Desk, openDesk, principalOf } from "../support/http.js";

/**
 * The desk's queue with 10,000 open requests: page 150 by keyset costs what page 1 does, in both sort
 * orders, through the service and through the page. Timings are printed for a person to read; nothing
 * here fails on a number (a loaded CI machine is not a benchmark).
 */

const OPEN = 10_000;
const PAGE = 50;
const FAR = 150;

describe.each(DRIVERS)("queue paging with %i open requests, on %s".replace("%i", String(OPEN)), (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
    // Bulk insert: one statement, spread over jurisdictions, processes, statuses and deadlines.
    await sql`
      insert into request (agency_id, reference, received_at, jurisdiction, process, categories, agency_verified,
                           original_document, original_sha256, status, deadline_at, accounts_specified)
      select ${desk.agencies.a}::uuid, 'BULK-' || n, timestamptz '2020-07-01' + n * interval '1 minute',
             (array['US', 'GB', 'DE', 'HK', 'US-CA'])[1 + n % 5],
             (array['subpoena', 'court_order', 'search_warrant'])[1 + n % 3],
             array['subscriber.name'], true, '{}', repeat('0', 64),
             (array['received', 'verifying', 'under_review', 'on_hold'])[1 + n % 4],
             case when n % 10 = 0 then null else timestamptz '2020-08-01' + (n * 7919 % 10000) * interval '1 hour' end,
             1
        from generate_series(1, ${OPEN}) as n`.execute(desk.db);
    await sql`analyze request`.execute(desk.db);
  });
  afterAll(async () => {
    await desk?.close();
  });

  async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
    await run(); // warm: plan cache, compiled policy, connection
    const runs: number[] = [];
    let value: T | undefined;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      value = await run();
      runs.push(performance.now() - start);
    }
    runs.sort((a, b) => a - b);
    return { ms: runs[2] as number, value: value as T };
  }

  for (const sort of ["deadline", "received"] as const) {
    it(`page ${FAR} costs what page 1 does (sorted by ${sort})`, async () => {
      const reviewer = principalOf(desk.accounts.reviewer);
      const status = ["received", "verifying", "under_review", "on_hold"] as Array<"received">;
      // The cursor a reader holds after paging to page FAR: the last row of page FAR-1.
      const order =
        sort === "deadline" ? sql`coalesce(deadline_at, 'infinity'::timestamptz), id` : sql`received_at desc, id desc`;
      const { rows } = await sql<{ id: string; deadline_at: Date | null; received_at: Date }>`
        select id, deadline_at, received_at from request order by ${order} offset ${(FAR - 1) * PAGE - 1} limit 1`.execute(
        desk.db,
      );
      const last = rows[0];
      if (!last) throw new Error("no row at that offset");
      const cursor = encodeCursor(
        sort === "deadline" ? (last.deadline_at?.toISOString() ?? "infinity") : last.received_at.toISOString(),
        last.id,
        sort,
      );
      const first = await timed(() => listRequests(desk.db, reviewer, { status, sort, limit: PAGE }));
      const far = await timed(() => listRequests(desk.db, reviewer, { status, sort, limit: PAGE, after: cursor }));
      expect(first.value.items).toHaveLength(PAGE);
      expect(far.value.items).toHaveLength(PAGE);
      expect(far.value.items[0]?.id).not.toBe(first.value.items[0]?.id);

      const session = await desk.signIn(desk.accounts.reviewer);
      const page = (after?: string) =>
        desk.app.inject({
          method: "GET",
          url: `/desk?status=open&sort=${sort}${after ? `&after=${encodeURIComponent(after)}` : ""}`,
          headers: { cookie: session.headers.cookie as string },
        });
      const firstPage = await timed(() => page());
      const farPage = await timed(() => page(cursor));
      expect(farPage.value.statusCode).toBe(200);
      expect(farPage.value.body).toContain(far.value.items[0]?.reference as string);

      const plan = await sql<{ "QUERY PLAN": string }>`explain select id from request
        where status in ('received', 'verifying', 'under_review', 'on_hold') order by ${order} limit ${PAGE + 1}`.execute(
        desk.db,
      );
      console.log(
        `[${driver}] ${OPEN} open requests, sorted by ${sort}: service page 1 ${first.ms.toFixed(1)} ms, page ${FAR} ${far.ms.toFixed(1)} ms; ` +
          `/desk page 1 ${firstPage.ms.toFixed(1)} ms, page ${FAR} ${farPage.ms.toFixed(1)} ms (median of 5)\n` +
          `  plan: ${plan.rows.map((r) => r["QUERY PLAN"].trim()).join(" | ")}`,
      );
    });
  }
});
