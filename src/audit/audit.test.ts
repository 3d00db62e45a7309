import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { rechain, sealAll } from "../../test/support/audit-tamper.js";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import type { Db, Tx } from "../db/database.js";
import type { AuditAction, AuditEntry, AuditPayloads, RefusalAction } from "./audit.events.js";
import { appendAudit } from "./audit.js";
import { GENESIS_HASH, latestCheckpoint, sealAudit } from "./seal.js";
import {
  type Checkpoint,
  generateSigningKeySeed,
  parseSigningKey,
  type SigningKey,
  signCheckpoint,
} from "./signing.js";
import { verifyAudit } from "./verify.js";

/**
 * The audit trail end to end: appends are fail-closed with the change they record, the sealer chains
 * only committed events, checkpoints are signed and checked, exported checkpoints catch a rewrite of the
 * whole database, and the audit tables refuse UPDATE, DELETE and TRUNCATE to the application and to
 * their owner alike.
 */

const ROLLBACK = Symbol("rollback");

/** Run `tamper` as the superuser with triggers (and foreign keys) off, then roll everything back. */
async function tamperAndRollBack<T>(db: Db, tamper: (tx: Tx) => Promise<T>): Promise<T> {
  let result: T | undefined;
  try {
    await db.transaction().execute(async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      result = await tamper(tx);
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return result as T;
}

/** The digest the insert trigger would store for a row's current columns. */
const DIGEST_OF_ROW = sql`encode(sha256(convert_to(audit_event_message(occurred_at, actor, action, object_type,
  object_id, payload), 'UTF8')), 'hex')`;

/** The trail stores whatever JSON an entry carries: these tests write payloads of their own, not the catalogue's. */
type AnyEntry = Omit<AuditEntry, "action" | "payload"> & { action: AuditAction; payload: Record<string, unknown> };
const entry = (overrides: Partial<AnyEntry> = {}): AuditEntry =>
  ({
    actor: "admin@test",
    action: "agency.created",
    objectType: "agency",
    objectId: "00000000-0000-4000-8000-000000000000",
    payload: { note: "test" },
    ...overrides,
  }) as AuditEntry;

describe("audit payloads are typed per action", () => {
  it("gives each action its payload, and the refusals theirs", () => {
    expectTypeOf<RefusalAction>().toEqualTypeOf<
      "production.download_refused" | "session.refused" | "security.refused" | "production.refused"
    >();
    expectTypeOf<Extract<AuditEntry, { action: "request.reviewed" }>["payload"]>().toEqualTypeOf<
      AuditPayloads["request.reviewed"]
    >();
    // An entry whose payload is another action's does not compile.
    const wrong = {
      actor: "admin@test",
      action: "user.suspended",
      objectType: "user",
      objectId: "u",
      payload: { callbackId: "c" },
    } as const;
    // @ts-expect-error user.suspended carries a reason, not a call-back
    const entry: AuditEntry = wrong;
    expect(entry.action).toBe("user.suspended");
  });
});

describe.each(DRIVERS)("audit trail on %s", (driver) => {
  let database: TestDatabase;
  let db: Db;
  const now = new Date("2020-07-12T10:00:00.123Z");
  let key: SigningKey;
  let otherKey: SigningKey;

  beforeAll(async () => {
    database = await freshDatabase(driver);
    db = database.db;
    key = parseSigningKey(generateSigningKeySeed());
    otherKey = parseSigningKey(generateSigningKeySeed());
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  const agencyCount = (name: string) =>
    db
      .selectFrom("agency")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("name", "=", name)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  const eventCount = (objectId: string) =>
    db
      .selectFrom("audit_event")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("object_id", "=", objectId)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));

  it("verifies an empty log", async () => {
    const report = await verifyAudit(db);
    expect(report).toMatchObject({ ok: true, entries: 0, unsealed: 0, problems: [], headHash: GENESIS_HASH });
  });

  it("keeps neither the change nor its event when the transaction fails after the append", async () => {
    const name = `Doomed ${randomBytes(4).toString("hex")}`;
    const objectId = `agency-${name}`;
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto("agency").values({ name, jurisdiction: "GB" }).execute();
        await appendAudit(tx, entry({ objectId, payload: { name } }), now);
        expect(
          await tx.selectFrom("audit_event").select("id").where("object_id", "=", objectId).execute(),
        ).toHaveLength(1);
        throw new Error("boom after the append");
      }),
    ).rejects.toThrow("boom after the append");
    expect(await agencyCount(name)).toBe(0);
    expect(await eventCount(objectId)).toBe(0);
  });

  const badEntries: Array<[string, Partial<AnyEntry>, RegExp]> = [
    ["an empty actor", { actor: "" }, /check constraint/],
    ["an actor over 200 characters", { actor: "a".repeat(201) }, /check constraint/],
    ["an action that is not object.verb", { action: "Agency.Created" as AuditAction }, /check constraint/],
    ["an action without a verb", { action: "agency" as AuditAction }, /check constraint/],
    ["a payload jsonb refuses", { payload: { text: "nul \u0000 byte" } }, /unicode|\\u0000/i],
  ];
  it.each(badEntries)("fails the whole transaction when the audit append fails (%s)", async (_, bad, error) => {
    const name = `Unaudited ${randomBytes(4).toString("hex")}`;
    const objectId = `agency-${name}`;
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto("agency").values({ name, jurisdiction: "GB" }).execute();
        await appendAudit(tx, [entry({ objectId }), entry({ ...bad, objectId })], now);
      }),
    ).rejects.toThrow(error);
    expect(await agencyCount(name)).toBe(0);
    expect(await eventCount(objectId)).toBe(0);
  });

  it("cannot commit the change even when the caller swallows the failed append", async () => {
    const name = `Swallowed ${randomBytes(4).toString("hex")}`;
    await db
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto("agency").values({ name, jurisdiction: "GB" }).execute();
        await appendAudit(tx, entry({ actor: "" }), now).catch(() => undefined);
      })
      .catch(() => undefined);
    expect(await agencyCount(name)).toBe(0);
  });

  it("seals committed events in order and verifies them", async () => {
    for (let i = 0; i < 3; i += 1) {
      await db
        .transaction()
        .execute((tx) =>
          appendAudit(
            tx,
            [entry({ objectId: `seal-${i}-a`, payload: { i } }), entry({ objectId: `seal-${i}-b`, payload: { i } })],
            now,
          ),
        );
    }
    const before = await verifyAudit(db);
    expect(before.ok).toBe(true);
    expect(before.unsealed).toBe(6);
    await sealAll(db);
    const chain = await sql<{ position: number; event_id: number; xid: string }>`
      select c.position, c.event_id, e.xid::text as xid from audit_chain c join audit_event e on e.id = c.event_id
       order by c.position`
      .execute(db)
      .then((r) => r.rows);
    expect(chain.map((r) => r.position)).toEqual(chain.map((_, i) => i + 1));
    // Within the chain, events follow their transactions' order (xid, then id).
    const sorted = [...chain].sort((a, b) => Number(BigInt(a.xid) - BigInt(b.xid)) || a.event_id - b.event_id);
    expect(sorted.map((r) => r.position)).toEqual(chain.map((r) => r.position));
    const report = await verifyAudit(db);
    expect(report).toMatchObject({ ok: true, entries: chain.length, unsealed: 0, checkpointsChecked: 0 });
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);
    // Sealing again with nothing new is a no-op.
    expect((await sealAudit(db)).sealed).toBe(0);
  });

  it.runIf(driver === "postgres")("does not seal an event until the transaction that wrote it commits", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query("begin");
      const { rows } = await client.query<{ id: string }>(
        `insert into audit_event (actor, action, object_type, object_id, payload)
         values ('slow@test', 'agency.created', 'agency', 'in-flight', '{"slow": true}') returning id`,
      );
      const inFlight = Number(rows[0]?.id);
      // A later transaction commits while the earlier one is still open.
      await db.transaction().execute((tx) => appendAudit(tx, entry({ objectId: "after-in-flight" }), now));
      const later = await db
        .selectFrom("audit_event")
        .select("id")
        .where("object_id", "=", "after-in-flight")
        .executeTakeFirstOrThrow();
      await sealAudit(db);
      const chained = async (id: number) =>
        (await db.selectFrom("audit_chain").select("position").where("event_id", "=", id).executeTakeFirst())?.position;
      expect(await chained(inFlight)).toBeUndefined();
      // Sealing the later event now would chain it ahead of the earlier one: it waits too.
      expect(await chained(later.id)).toBeUndefined();
      const meanwhile = await verifyAudit(db);
      expect(meanwhile.ok).toBe(true);
      expect(meanwhile.unsealed).toBe(1);

      await client.query("commit");
      await sealAll(db);
      const first = await chained(inFlight);
      const second = await chained(later.id);
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(first as number).toBeLessThan(second as number);
      expect(await verifyAudit(db)).toMatchObject({ ok: true, unsealed: 0 });
    } finally {
      await client.query("rollback").catch(() => undefined);
      await client.end();
    }
  });

  it("signs checkpoints and checks their signatures", async () => {
    await db.transaction().execute((tx) => appendAudit(tx, entry({ objectId: "checkpointed" }), now));
    await sealAll(db, { key, checkpointEvery: 1 });
    const checkpoint = await latestCheckpoint(db);
    expect(checkpoint).toBeDefined();
    const head = await db
      .selectFrom("audit_chain")
      .select(["position", "hash"])
      .orderBy("position", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(checkpoint).toMatchObject({ position: head.position, hash: head.hash, keyId: key.keyId });

    const good = await verifyAudit(db, { publicKeys: [key.publicKey] });
    expect(good).toMatchObject({ ok: true, entries: head.position, headHash: head.hash });
    expect(good.checkpointsChecked).toBeGreaterThanOrEqual(1);
    // Several trusted keys (a rotation): one of them signed it.
    expect((await verifyAudit(db, { publicKeys: [otherKey.publicKey, key.publicKey] })).ok).toBe(true);

    const wrongKey = await verifyAudit(db, { publicKeys: [otherKey.publicKey] });
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.problems).toContainEqual(
      expect.objectContaining({ kind: "bad_signature", position: head.position }),
    );
    expect(wrongKey.problems.every((p) => p.kind === "bad_signature")).toBe(true);

    const noKey = await verifyAudit(db);
    expect(noKey.ok).toBe(false);
    expect(noKey.problems).toContainEqual(expect.objectContaining({ kind: "bad_signature", position: head.position }));
    expect((await verifyAudit(db, { publicKeys: [] })).ok).toBe(false);

    // An exported checkpoint that was tampered with is refused too.
    const forged = { ...(checkpoint as Checkpoint), signedAt: new Date(now.getTime() + 1).toISOString() };
    const exported = await verifyAudit(db, { publicKeys: [key.publicKey], against: [forged] });
    expect(exported.problems).toEqual([expect.objectContaining({ kind: "bad_signature", position: head.position })]);
  });

  it("catches a consistent rewrite of the whole database against exported checkpoints", async () => {
    await db.transaction().execute((tx) =>
      appendAudit(
        tx,
        [1, 2, 3, 4, 5, 6].map((n) => entry({ objectId: `round-1-${n}`, payload: { n } })),
        now,
      ),
    );
    await sealAll(db, { key, checkpointEvery: 1 });
    const middle = (await latestCheckpoint(db)) as Checkpoint;
    await db.transaction().execute((tx) =>
      appendAudit(
        tx,
        [1, 2, 3, 4].map((n) => entry({ objectId: `round-2-${n}`, payload: { n } })),
        now,
      ),
    );
    await sealAll(db, { key, checkpointEvery: 1 });
    const head = (await latestCheckpoint(db)) as Checkpoint;
    expect(head.position).toBeGreaterThan(middle.position + 2);
    const trusted = { publicKeys: [key.publicKey] };
    expect(await verifyAudit(db, { ...trusted, against: [middle, head] })).toMatchObject({ ok: true });

    // Someone with the database, but not the key: change the first event, drop the last two, recompute
    // every hash, and replace the checkpoints with ones signed by a key of their own.
    const rewrite = async (tx: Tx, resign: boolean) => {
      await sql`update audit_event set payload = payload || '{"rewritten": true}'
                 where id = (select event_id from audit_chain where position = 1)`.execute(tx);
      await sql`update audit_event set digest = ${DIGEST_OF_ROW}
                 where id = (select event_id from audit_chain where position = 1)`.execute(tx);
      await sql`delete from audit_event where id in (select event_id from audit_chain where position > ${head.position - 2})`.execute(
        tx,
      );
      await sql`delete from audit_chain where position > ${head.position - 2}`.execute(tx);
      const positions = await tx.selectFrom("audit_checkpoint").select("position").execute();
      await sql`delete from audit_checkpoint`.execute(tx);
      await rechain(tx, 1);
      if (!resign) return;
      const rows = await tx
        .selectFrom("audit_chain")
        .select(["position", "hash"])
        .where("position", "in", [...positions.map((p) => p.position), head.position - 2])
        .execute();
      for (const row of rows) {
        const forged = signCheckpoint(otherKey, row.position, row.hash, now);
        await tx
          .insertInto("audit_checkpoint")
          .values({
            position: forged.position,
            hash: forged.hash,
            signed_at: forged.signedAt,
            key_id: forged.keyId,
            signature: forged.signature,
          })
          .execute();
      }
    };

    await tamperAndRollBack(db, async (tx) => {
      await rewrite(tx, true);
      // The database alone: only the signatures give it away.
      const alone = await verifyAudit(tx, trusted);
      expect(alone.ok).toBe(false);
      expect(alone.problems.length).toBeGreaterThan(0);
      expect(alone.problems.every((p) => p.kind === "bad_signature")).toBe(true);
      // Were the forger's key trusted as well, the database would look intact...
      expect((await verifyAudit(tx, { publicKeys: [key.publicKey, otherKey.publicKey] })).ok).toBe(true);
      // ...but not against what was exported before.
      const both = { publicKeys: [key.publicKey, otherKey.publicKey] };
      const againstMiddle = await verifyAudit(tx, { ...both, against: [middle] });
      expect(againstMiddle.ok).toBe(false);
      expect(againstMiddle.problems[0]).toMatchObject({ kind: "altered", position: middle.position });
      const againstHead = await verifyAudit(tx, { ...both, against: [head] });
      expect(againstHead.ok).toBe(false);
      // The forged log is shorter than the one exported: it is reported from its first missing position.
      expect(againstHead.problems[0]).toMatchObject({ kind: "truncated", position: againstHead.entries + 1 });
      expect(againstHead.entries).toBeLessThan(head.position);
    });

    await tamperAndRollBack(db, async (tx) => {
      // Without re-signing: delete the checkpoints outright. The database alone cannot tell.
      await rewrite(tx, false);
      expect((await verifyAudit(tx, trusted)).ok).toBe(true);
      const againstMiddle = await verifyAudit(tx, { ...trusted, against: [middle] });
      expect(againstMiddle.problems[0]).toMatchObject({ kind: "altered", position: middle.position });
      const againstHead = await verifyAudit(tx, { ...trusted, against: [head] });
      // The forged log is shorter than the one exported: it is reported from its first missing position.
      expect(againstHead.problems[0]).toMatchObject({ kind: "truncated", position: againstHead.entries + 1 });
      expect(againstHead.entries).toBeLessThan(head.position);
    });

    // Rolled back: intact again.
    expect(await verifyAudit(db, { ...trusted, against: [middle, head] })).toMatchObject({ ok: true, problems: [] });
  });

  it.runIf(driver === "postgres")(
    "refuses UPDATE, DELETE and TRUNCATE on the audit tables to the application and to their owner",
    async () => {
      const url = database.url as string;
      const dbName = new URL(url).pathname.slice(1);
      const role = `custodian_app_${randomBytes(6).toString("hex")}`;
      const owner = new pg.Client({ connectionString: url });
      await owner.connect();
      let app: pg.Client | undefined;
      try {
        await owner.query(`create role ${role} login nosuperuser nocreatedb nocreaterole`);
        await owner.query(`grant connect on database ${dbName} to ${role}`);
        await owner.query(`grant usage on schema public to ${role}`);
        await owner.query(`grant select, insert on all tables in schema public to ${role}`);
        await owner.query(`grant usage on all sequences in schema public to ${role}`);
        const appUrl = new URL(url);
        appUrl.username = role;
        appUrl.password = "";
        app = new pg.Client({ connectionString: appUrl.toString() });
        await app.connect();
        const asApp = app;

        // Each table holds rows, so the row triggers have something to refuse.
        await db.transaction().execute((tx) => appendAudit(tx, entry({ objectId: "privileges" }), now));
        await sealAll(db, { key, checkpointEvery: 1 });

        const tables = ["audit_event", "audit_chain", "audit_checkpoint"];
        const statements = (table: string) => [
          `update ${table} set ${table === "audit_event" ? "actor = actor" : "hash = hash"}`,
          `delete from ${table}`,
          `truncate ${table} cascade`,
        ];
        for (const table of tables) {
          for (const statement of statements(table)) {
            await expect(asApp.query(statement), `${statement} as the application`).rejects.toThrow(
              /permission denied/,
            );
            await expect(owner.query(statement), `${statement} as the owner`).rejects.toThrow(/append-only/);
          }
        }

        // Inserting is what the application does; roll it back so the shared log stays intact.
        await asApp.query("begin");
        const { rows } = await asApp.query<{ id: string }>(
          `insert into audit_event (actor, action, object_type, object_id, payload)
           values ('app@test', 'agency.created', 'agency', 'by-app', '{}') returning id`,
        );
        const { rows: chainRows } = await asApp.query<{ position: string }>(
          `insert into audit_chain (position, event_id, hash)
           select coalesce(max(position), 0) + 1, $1, repeat('a', 64) from audit_chain returning position`,
          [rows[0]?.id],
        );
        await asApp.query(
          `insert into audit_checkpoint (position, hash, signed_at, key_id, signature)
           values ($1, repeat('a', 64), now(), 'k', 's')`,
          [chainRows[0]?.position],
        );
        await asApp.query("rollback");

        // Granting the application every privilege does not help it: the triggers refuse for everyone.
        await owner.query(`grant update, delete, truncate on ${tables.join(", ")} to ${role}`);
        for (const table of tables) {
          for (const statement of statements(table)) {
            await expect(asApp.query(statement), `${statement} with privileges`).rejects.toThrow(/append-only/);
          }
        }
        expect((await verifyAudit(db, { publicKeys: [key.publicKey] })).ok).toBe(true);
      } finally {
        await app?.end();
        await owner.query(`drop owned by ${role}`).catch(() => undefined);
        await owner.query(`drop role if exists ${role}`);
        await owner.end();
      }
    },
  );

  it("ends with an intact log", async () => {
    await sealAll(db, { key, checkpointEvery: 1 });
    const report = await verifyAudit(db, { publicKeys: [key.publicKey] });
    expect(report).toMatchObject({ ok: true, unsealed: 0, problems: [] });
    expect(report.entries).toBeGreaterThan(15);
  });
});
