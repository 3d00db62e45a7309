import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import type { AuditEntry } from "./audit.events.js";
import { appendAudit, eventDigest, STORED_EVENT_COLUMNS, type StoredEvent } from "./audit.js";

/**
 * The digest is computed twice by design: by the database when an event is written, and by the verifier
 * from the columns it reads back. These must agree for every value an event can hold, or an honest log
 * would fail verification (and a dishonest one might pass).
 */
describe.each(DRIVERS)("audit digests on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const awkward = fc.oneof(
    fc.string(),
    fc.string({ unit: "grapheme" }),
    fc.constantFrom('quote " backslash \\ slash /', "new\nline\ttab\r", "\u0001\u001f\u007f", "é 漢字 🚨 \u2028\u2029"),
  );
  const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      awkward,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(awkward, tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("agree on awkward strings, numbers and nesting", async () => {
    await fc.assert(
      fc.asyncProperty(
        awkward.filter((s) => s.length > 0 && s.length <= 200 && !s.includes("\u0000")),
        awkward.filter((s) => !s.includes("\u0000")),
        fc.dictionary(
          awkward.filter((s) => !s.includes("\u0000")),
          json,
          { maxKeys: 5 },
        ),
        fc.date({ min: new Date("1990-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        async (actor, objectId, payload, at) => {
          // jsonb refuses \u0000 in text, so the payload cannot hold it either.
          fc.pre(!JSON.stringify(payload).includes("\\u0000"));
          const rows = await database.db.transaction().execute(async (tx) => {
            await appendAudit(
              tx,
              // Any JSON at all, not the catalogue's payload: the digest must not depend on what it says.
              {
                actor,
                action: "request.reviewed",
                objectType: "request",
                objectId,
                payload: payload as Record<string, unknown>,
              } as AuditEntry,
              at,
            );
            return sql<StoredEvent & { digest: string }>`
              select e.digest, ${STORED_EVENT_COLUMNS} from audit_event e order by e.id desc limit 1`
              .execute(tx)
              .then((r) => r.rows);
          });
          const row = rows[0] as StoredEvent & { digest: string };
          expect(eventDigest(row)).toBe(row.digest);
        },
      ),
      { numRuns: driver === "pglite" ? 300 : 150 },
    );
  });
});
