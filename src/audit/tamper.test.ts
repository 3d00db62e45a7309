import { createHash } from "node:crypto";
import fc from "fast-check";
import { type RawBuilder, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rechain, sealAll } from "../../test/support/audit-tamper.js";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, requestDocument, seedAgency, TEST_OPERATOR } from "../../test/support/fixtures.js";
import type { Db, Tx } from "../db/database.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { intakeRequest } from "../requests/requests.service.js";
import { GENESIS_HASH, sealAudit } from "./seal.js";
import { type Checkpoint, generateSigningKeySeed, parseSigningKey, type SigningKey } from "./signing.js";
import { type ProblemKind, type VerifyReport, verifyAudit } from "./verify.js";

/**
 * Tamper with a real audit log in every way someone holding the database (but not the signing key)
 * could, one change at a time, each in a transaction that is rolled back: the verifier must report
 * every one of them, and no later than where it was made (or, for a rewrite that recomputes the hashes,
 * than the first signed checkpoint after it).
 */

const ROLLBACK = Symbol("rollback");
const RUNS = 1200;

const DIGEST_OF_ROW = sql`encode(sha256(convert_to(audit_event_message(occurred_at, actor, action, object_type,
  object_id, payload), 'UTF8')), 'hex')`;

const KINDS = [
  "payload",
  "actor",
  "action",
  "object_type",
  "object_id",
  "occurred_at",
  "payload_and_digest",
  "delete_event",
  "delete_chain_row",
  "truncate",
  "swap_payloads",
  "swap_chain_event_ids",
  "insert_old_event",
  "chain_hash",
  "checkpoint_hash",
  "checkpoint_signature",
  "rewrite_tail",
  "insert_and_renumber",
  "remove_and_renumber",
  "rewrite_tail_drop_checkpoints",
  "truncate_drop_checkpoints",
] as const;
type Kind = (typeof KINDS)[number];

interface Tamper {
  kind: Kind;
  a: number;
  b: number;
  k: number;
  n: number;
  flag: boolean;
}

interface Expectation {
  /** The first problem must be at or before this position. */
  atMost?: number;
  /** The first problem's kind. */
  first?: ProblemKind;
  /** Some problem has this kind. */
  some?: ProblemKind;
  /** Verify against the checkpoints exported before (for tampers that also delete the database's own). */
  against?: boolean;
}

const eventAt = (position: number) => sql`(select event_id from audit_chain where position = ${position})`;
const run = (tx: Tx, query: RawBuilder<unknown>) => query.execute(tx);

describe.each(DRIVERS)("audit tampering on %s", (driver) => {
  let database: TestDatabase;
  let db: Db;
  let key: SigningKey;
  let last: number;
  let headHash: string;
  let checkpointPositions: number[];
  let exported: Checkpoint[];
  let payloads: Map<number, { text: string; keys: string[]; action: string }>;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    db = database.db;
    key = parseSigningKey(generateSigningKeySeed());
    const sealing = { key, checkpointEvery: 25 };
    await activateExamplePolicy(db);
    const agencyId = await seedAgency(db);
    const jurisdictions = ["US", "GB", "FR", "FR-75", "DE", "HK", "KP", "BR", "JP", "FR"];
    const processes = ["subpoena", "court_order", "search_warrant", "mlat"];
    const categories = [
      ["subscriber.phone", "records.ip_logs", "content.messages"],
      ["subscriber.name", "subscriber.email"],
      ["records.connections", "content.posts", "content.media", "subscriber.billing"],
      ["content.location"],
    ];
    const start = Date.parse("2020-07-01T08:00:00Z");
    for (let i = 0; i < 90; i += 1) {
      const now = new Date(start + i * 3_600_000 + (i % 7) * 123);
      await intakeRequest(db, {
        agencyId,
        originalDocument: requestDocument({
          jurisdiction: jurisdictions[i % jurisdictions.length],
          process: processes[i % processes.length],
          categories: categories[i % categories.length],
          ...(i % 5 === 0 ? { findings: ["terrorism_suspect"] } : {}),
          targets: [{ type: "email", value: `target${i}@example.org` }],
        }),
        actor: `intake${i % 3}@desk`,
        now,
        agencyVerified: i % 4 !== 0,
      });
      const change = { reason: `step ${i}: "quoted" reason\nwith a newline`, by: TEST_OPERATOR, now };
      if (i === 30) await pauseJurisdiction(db, { ...change, jurisdiction: "FR" });
      if (i === 55) await resumeJurisdiction(db, { ...change, jurisdiction: "FR" });
      if (i === 60) await pauseJurisdiction(db, { ...change, jurisdiction: "US" }, "refused");
      if (i === 75) await resumeJurisdiction(db, { ...change, jurisdiction: "US" });
      if (i % 3 === 2) await sealAudit(db, sealing);
    }
    await sealAll(db, sealing);
    // A checkpoint at the head, so that everything sealed is vouched for.
    await sealAll(db, { key, checkpointEvery: 1 });

    const chain = await db.selectFrom("audit_chain").select(["position", "hash"]).orderBy("position").execute();
    last = chain.length;
    headHash = chain.at(-1)?.hash ?? GENESIS_HASH;
    const stored = await db.selectFrom("audit_checkpoint").selectAll().orderBy("position").execute();
    exported = stored.map((row) => ({
      position: row.position,
      hash: row.hash,
      signedAt: row.signed_at.toISOString(),
      keyId: row.key_id,
      signature: row.signature,
    }));
    checkpointPositions = exported.map((c) => c.position);
    const events = await sql<{ position: number; text: string; keys: string[] | null; action: string }>`
      select c.position, e.payload::text as text, e.action,
             (select array_agg(k) from jsonb_object_keys(e.payload) k) as keys
        from audit_chain c join audit_event e on e.id = c.event_id`
      .execute(db)
      .then((r) => r.rows);
    payloads = new Map(events.map((e) => [e.position, { text: e.text, keys: e.keys ?? [], action: e.action }]));
  }, 300_000);
  afterAll(async () => {
    await database?.drop();
  });

  const trusted = () => ({ publicKeys: [key.publicKey] });
  /** The first signed checkpoint at or after a position: the best a rewrite can be located. */
  const vouchedAt = (position: number) => checkpointPositions.find((p) => p >= position) ?? Number.POSITIVE_INFINITY;
  const pick = (n: number, from: number, to: number) =>
    from + (((n % (to - from + 1)) + (to - from + 1)) % (to - from + 1));

  it("builds a log of a few hundred real events, checkpointed along the way and at the head", async () => {
    expect(last).toBeGreaterThanOrEqual(200);
    expect(last).toBeLessThanOrEqual(400);
    expect(checkpointPositions.length).toBeGreaterThanOrEqual(6);
    expect(checkpointPositions.at(-1)).toBe(last);
    const report = await verifyAudit(db, { ...trusted(), against: exported });
    expect(report).toMatchObject({ ok: true, entries: last, headHash, unsealed: 0, problems: [] });
    expect(report.checkpointsChecked).toBe(2 * exported.length);
    const actions = new Set([...payloads.values()].map((p) => p.action));
    expect(actions).toEqual(
      new Set([
        "policy.activated",
        "request.received",
        "request.decided",
        "request.transitioned",
        "jurisdiction.status_changed",
      ]),
    );
  });

  /** Apply one tamper in `tx`; say what the verifier must then report. */
  async function tamper(tx: Tx, t: Tamper): Promise<Expectation> {
    const p = t.a;
    const event = eventAt(p);
    const altered: Expectation = { atMost: p, first: "altered" };
    switch (t.kind) {
      case "payload": {
        const keys = payloads.get(p)?.keys ?? [];
        const field = keys.length > 0 ? (keys[t.n % keys.length] as string) : "added";
        await run(
          tx,
          sql`update audit_event set payload = jsonb_set(payload, array[${field}::text], to_jsonb(${`tampered-${t.n}`}::text))
               where id = ${event}`,
        );
        return altered;
      }
      case "actor":
        await run(tx, sql`update audit_event set actor = actor || '.' where id = ${event}`);
        return altered;
      case "action": {
        const action = payloads.get(p)?.action === "request.reviewed" ? "request.decided" : "request.reviewed";
        await run(tx, sql`update audit_event set action = ${action} where id = ${event}`);
        return altered;
      }
      case "object_type":
        await run(tx, sql`update audit_event set object_type = object_type || 's' where id = ${event}`);
        return altered;
      case "object_id":
        await run(tx, sql`update audit_event set object_id = object_id || '0' where id = ${event}`);
        return altered;
      case "occurred_at": {
        const step = t.flag ? sql`interval '1 millisecond'` : sql`interval '-1 millisecond'`;
        await run(tx, sql`update audit_event set occurred_at = occurred_at + ${step} where id = ${event}`);
        return altered;
      }
      case "payload_and_digest":
        // The stored digest is recomputed too: only the chain gives it away.
        await run(
          tx,
          sql`update audit_event set payload = payload || ${JSON.stringify({ n: t.n })}::jsonb where id = ${event}`,
        );
        await run(tx, sql`update audit_event set digest = ${DIGEST_OF_ROW} where id = ${event}`);
        return { atMost: p, first: "reordered" };
      case "delete_event":
        await run(tx, sql`delete from audit_event where id = ${event}`);
        return { atMost: p, first: "removed" };
      case "delete_chain_row": {
        const q = pick(t.a, 1, last - 1);
        await run(tx, sql`delete from audit_chain where position = ${q}`);
        return { atMost: q, first: "removed" };
      }
      case "truncate":
      case "truncate_drop_checkpoints": {
        const k = Math.min(t.k, last - 1);
        const end = last - k;
        if (t.flag || t.kind === "truncate_drop_checkpoints") {
          await run(
            tx,
            sql`delete from audit_event where id in (select event_id from audit_chain where position > ${end})`,
          );
        }
        await run(tx, sql`delete from audit_chain where position > ${end}`);
        if (t.kind === "truncate_drop_checkpoints") {
          await run(tx, sql`delete from audit_checkpoint where position > ${end}`);
          return { first: "truncated", against: true };
        }
        return { first: "truncated" };
      }
      case "swap_payloads": {
        let q = t.b;
        const text = payloads.get(p)?.text;
        for (let i = 0; i < last && (q === p || payloads.get(q)?.text === text); i += 1) q = (q % last) + 1;
        await run(
          tx,
          sql`update audit_event e set payload = case when e.id = ${eventAt(p)} then o.b else o.a end
                from (select (select payload from audit_event where id = ${eventAt(p)}) as a,
                             (select payload from audit_event where id = ${eventAt(q)}) as b) o
               where e.id in (${eventAt(p)}, ${eventAt(q)})`,
        );
        return { atMost: Math.min(p, q), first: "altered" };
      }
      case "swap_chain_event_ids": {
        const q = t.b !== p ? t.b : p === last ? p - 1 : p + 1;
        const [x, y] = [await eventIdAt(tx, p), await eventIdAt(tx, q)];
        await run(tx, sql`update audit_chain set event_id = ${-x} where position = ${p}`);
        await run(tx, sql`update audit_chain set event_id = ${x} where position = ${q}`);
        await run(tx, sql`update audit_chain set event_id = ${y} where position = ${p}`);
        return { atMost: Math.min(p, q), first: "reordered" };
      }
      case "insert_old_event":
        await insertOldEvent(tx, t);
        return { some: "inserted" };
      case "chain_hash":
        await run(tx, sql`update audit_chain set hash = ${sha256(`forged ${t.n}`)} where position = ${p}`);
        return { atMost: p };
      case "checkpoint_hash":
      case "checkpoint_signature": {
        const c = checkpointPositions[t.n % checkpointPositions.length] as number;
        if (t.kind === "checkpoint_hash") {
          await run(tx, sql`update audit_checkpoint set hash = ${sha256(`forged ${t.n}`)} where position = ${c}`);
        } else if (t.k % 3 === 0) {
          // Another checkpoint's genuine signature.
          const other = exported.find((e) => e.position !== c) as Checkpoint;
          await run(tx, sql`update audit_checkpoint set signature = ${other.signature} where position = ${c}`);
        } else if (t.k % 3 === 1) {
          await run(
            tx,
            sql`update audit_checkpoint set signed_at = signed_at + interval '1 millisecond' where position = ${c}`,
          );
        } else {
          await run(
            tx,
            sql`update audit_checkpoint set key_id = ${sha256(String(t.n)).slice(0, 16)} where position = ${c}`,
          );
        }
        return { atMost: c, some: "bad_signature" };
      }
      case "rewrite_tail":
      case "rewrite_tail_drop_checkpoints": {
        await run(
          tx,
          sql`update audit_event set payload = payload || ${JSON.stringify({ n: t.n })}::jsonb where id = ${event}`,
        );
        await run(tx, sql`update audit_event set digest = ${DIGEST_OF_ROW} where id = ${event}`);
        await rechain(tx, p);
        if (t.kind === "rewrite_tail_drop_checkpoints") {
          await run(tx, sql`delete from audit_checkpoint where position >= ${p}`);
          return { atMost: vouchedAt(p), against: true };
        }
        return { atMost: vouchedAt(p), some: "altered" };
      }
      case "insert_and_renumber": {
        const id = await insertOldEvent(tx, t);
        await run(tx, sql`update audit_chain set position = position + 1000000 where position >= ${p}`);
        await run(tx, sql`update audit_chain set position = position - 999999 where position > 1000000`);
        await run(tx, sql`insert into audit_chain (position, event_id, hash) values (${p}, ${id}, ${GENESIS_HASH})`);
        await rechain(tx, p);
        return { atMost: vouchedAt(p) };
      }
      case "remove_and_renumber": {
        const id = await eventIdAt(tx, p);
        await run(tx, sql`delete from audit_chain where position = ${p}`);
        await run(tx, sql`delete from audit_event where id = ${id}`);
        await run(tx, sql`update audit_chain set position = position + 1000000 where position > ${p}`);
        await run(tx, sql`update audit_chain set position = position - 1000001 where position > 1000000`);
        await rechain(tx, p);
        return { atMost: vouchedAt(p) };
      }
    }
  }

  async function eventIdAt(tx: Tx, position: number): Promise<number> {
    const row = await tx
      .selectFrom("audit_chain")
      .select("event_id")
      .where("position", "=", position)
      .executeTakeFirstOrThrow();
    return row.event_id;
  }

  /** An event that claims to be old: the xid of a sealed event, below the watermark. */
  async function insertOldEvent(tx: Tx, t: Tamper): Promise<number> {
    const { rows } = await sql<{ id: number }>`
      insert into audit_event (xid, occurred_at, actor, action, object_type, object_id, payload, digest)
      select e.xid, e.occurred_at, 'insider@desk', 'request.reviewed', 'request', e.object_id,
             ${JSON.stringify({ verdict: "approve", n: t.n })}::jsonb, ${GENESIS_HASH}
        from audit_event e where e.id = ${eventAt(t.b)}
      returning id`.execute(tx);
    const id = (rows[0] as { id: number }).id;
    await run(tx, sql`update audit_event set digest = ${DIGEST_OF_ROW} where id = ${id}`);
    return id;
  }

  function check(t: Tamper, expectation: Expectation, report: VerifyReport): void {
    const context = `${JSON.stringify(t)} → ${JSON.stringify(report.problems.slice(0, 3))}`;
    expect(report.ok, context).toBe(false);
    expect(report.problems.length, context).toBeGreaterThan(0);
    const first = report.problems[0];
    if (expectation.atMost !== undefined) {
      expect(first?.position, context).toBeDefined();
      expect(first?.position as number, context).toBeGreaterThanOrEqual(1);
      expect(first?.position as number, context).toBeLessThanOrEqual(expectation.atMost);
    }
    if (expectation.first) expect(first?.kind, context).toBe(expectation.first);
    if (expectation.some) {
      expect(
        report.problems.some((problem) => problem.kind === expectation.some),
        context,
      ).toBe(true);
    }
  }

  /** Tamper inside a transaction that is rolled back, and return what verify then says. */
  async function tamperedThen<T>(tamper: (tx: Tx) => Promise<void>, verify: (tx: Tx) => Promise<T>): Promise<T> {
    let answer: T | undefined;
    await db
      .transaction()
      .execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        await tamper(tx);
        answer = await verify(tx);
        throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
    return answer as T;
  }

  async function forge(tx: Tx, position: number): Promise<void> {
    const event = eventAt(position);
    await run(tx, sql`update audit_event set payload = payload || '{"forged":true}'::jsonb where id = ${event}`);
    await run(tx, sql`update audit_event set digest = ${DIGEST_OF_ROW} where id = ${event}`);
    await rechain(tx, position);
  }

  it("with keys, reports a rewritten log whose checkpoints were all removed, which without keys passes", async () => {
    const [unkeyed, keyed] = await tamperedThen(
      async (tx) => {
        await forge(tx, 10);
        await run(tx, sql`delete from audit_checkpoint`);
      },
      async (tx) => [
        await verifyAudit(tx, { checkpointEvery: 25 }),
        await verifyAudit(tx, { ...trusted(), checkpointEvery: 25 }),
      ],
    );
    // Without a key nothing can tell a consistent rewrite from the original: that is what checkpoints are for.
    expect(unkeyed.ok).toBe(true);
    expect(keyed.problems).toEqual([expect.objectContaining({ kind: "unvouched", position: 1 })]);
  });

  it("with keys, reports entries after the newest checkpoint left when the later ones were removed", async () => {
    const keep = checkpointPositions.find((p) => p >= last / 2) as number;
    const report = await tamperedThen(
      async (tx) => {
        await forge(tx, keep + 1);
        await run(tx, sql`delete from audit_checkpoint where position > ${keep}`);
      },
      (tx) => verifyAudit(tx, { ...trusted(), checkpointEvery: 25 }),
    );
    expect(report.problems).toEqual([expect.objectContaining({ kind: "unvouched", position: keep + 1 })]);
  });

  it("reports a truncation at the first missing position", async () => {
    const report = await tamperedThen(
      (tx) => run(tx, sql`delete from audit_chain where position > ${last - 5}`).then(() => undefined),
      (tx) => verifyAudit(tx, trusted()),
    );
    expect(report.problems[0]).toMatchObject({ kind: "truncated", position: last - 4 });
  });

  it(`reports every one of ${RUNS} random tampers, and verifies clean after each rollback`, async () => {
    const counts = new Map<Kind, number>();
    let applied = 0;
    const arbitrary = fc.record({
      kind: fc.constantFrom(...KINDS),
      a: fc.integer({ min: 1, max: last }),
      b: fc.integer({ min: 1, max: last }),
      k: fc.integer({ min: 1, max: 12 }),
      n: fc.nat(),
      flag: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (t) => {
        let verified = false;
        try {
          await db.transaction().execute(async (tx) => {
            await sql`set local session_replication_role = replica`.execute(tx);
            const expectation = await tamper(tx, t);
            const report = await verifyAudit(tx, {
              ...trusted(),
              ...(expectation.against ? { against: exported } : {}),
            });
            check(t, expectation, report);
            verified = true;
            throw ROLLBACK;
          });
        } catch (error) {
          if (error !== ROLLBACK) throw error;
        }
        expect(verified).toBe(true);
        counts.set(t.kind, (counts.get(t.kind) ?? 0) + 1);
        applied += 1;
        if (applied % 100 === 0) {
          const clean = await verifyAudit(db, { ...trusted(), against: exported });
          expect(clean).toMatchObject({ ok: true, entries: last, headHash, problems: [] });
        }
      }),
      { numRuns: RUNS },
    );
    expect(applied).toBeGreaterThanOrEqual(RUNS);
    for (const kind of KINDS) expect(counts.get(kind) ?? 0, kind).toBeGreaterThanOrEqual(15);
    expect(await verifyAudit(db, { ...trusted(), against: exported })).toMatchObject({ ok: true, entries: last });
  }, 180_000);
});

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
