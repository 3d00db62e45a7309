import { hash } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { eventDigest, STORED_EVENT_COLUMNS, type StoredEvent } from "./audit.js";
import { type Checkpoint, type SigningKey, signCheckpoint } from "./signing.js";

/**
 * Sealing: giving committed audit events their place in the hash chain, in batches.
 *
 * Why not chain each event as it is written? Then every state-changing transaction would lock the chain
 * head from its audit insert until its commit, and the whole system would commit one transaction at a
 * time. Instead (as Certificate Transparency does within its merge delay) events are written freely and
 * a sealer chains them shortly after. It only takes events written by transactions that have ended
 * (xid below the oldest running transaction, `pg_snapshot_xmin`), so an event still in flight can
 * never be skipped and chained later out of place. ARCHITECTURE.md has the figures.
 */

export const GENESIS_HASH = "0".repeat(64);

export function chainHash(previous: string, position: number, eventId: number, digest: string): string {
  return hash("sha256", `${previous}\n${position}\n${eventId}\n${digest}`);
}

export interface SealResult {
  sealed: number;
  position: number;
  hash: string;
  checkpoint: Checkpoint | undefined;
}

/**
 * The server's sealer signs a checkpoint at least once per this many entries, so with a signing key in
 * use fewer than this many sealed entries ever follow the newest checkpoint; `audit verify` holds the log
 * to that (a longer unvouched tail means checkpoints were removed).
 */
export const CHECKPOINT_EVERY = 1000;

export interface SealOptions {
  key?: SigningKey | undefined;
  /** Sign a checkpoint once this many entries were sealed since the last one (and at least one). */
  checkpointEvery?: number;
  now?: () => Date;
  batch?: number;
}

// Any constant the rest of the system does not use: one sealer at a time across every process.
const SEAL_LOCK = 0x6175_6469; // "audi"

export async function sealAudit(db: Db, options: SealOptions = {}): Promise<SealResult> {
  const batch = options.batch ?? 5000;
  const now = options.now ?? (() => new Date());
  let total = 0;
  for (;;) {
    const result = await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${SEAL_LOCK})`.execute(tx);
      const state = await tx
        .selectFrom("audit_seal_state")
        .select(sql<string>`sealed_below::text`.as("sealed_below"))
        .forUpdate()
        .executeTakeFirstOrThrow();
      const { xmin } = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`
        .execute(tx)
        .then((r) => r.rows[0] as { xmin: string });
      const events = await sql<StoredEvent & { id: number }>`
        select e.id, ${STORED_EVENT_COLUMNS} from audit_event e
         where e.xid >= ${state.sealed_below}::xid8 and e.xid < ${xmin}::xid8
           and not exists (select 1 from audit_chain c where c.event_id = e.id)
         order by e.xid, e.id
         limit ${batch}`
        .execute(tx)
        .then((r) => r.rows);
      const head = await tx
        .selectFrom("audit_chain")
        .select(["position", "hash"])
        .orderBy("position", "desc")
        .limit(1)
        .executeTakeFirst();
      let position = head?.position ?? 0;
      let hash = head?.hash ?? GENESIS_HASH;
      const rows = events.map((event) => {
        position += 1;
        const digest = eventDigest(event);
        hash = chainHash(hash, position, event.id, digest);
        return { position, event_id: event.id, hash };
      });
      for (let i = 0; i < rows.length; i += 1000) {
        await tx
          .insertInto("audit_chain")
          .values(rows.slice(i, i + 1000))
          .execute();
      }
      // Only move the watermark once everything below it is chained.
      if (events.length < batch) {
        await tx.updateTable("audit_seal_state").set({ sealed_below: xmin }).execute();
      }

      let checkpoint: Checkpoint | undefined;
      if (options.key && position > 0) {
        const last = await tx
          .selectFrom("audit_checkpoint")
          .select("position")
          .orderBy("position", "desc")
          .limit(1)
          .executeTakeFirst();
        const due = position - (last?.position ?? 0) >= Math.max(1, options.checkpointEvery ?? 1);
        if (due) {
          checkpoint = signCheckpoint(options.key, position, hash, now());
          await tx
            .insertInto("audit_checkpoint")
            .values({
              position: checkpoint.position,
              hash: checkpoint.hash,
              signed_at: checkpoint.signedAt,
              key_id: checkpoint.keyId,
              signature: checkpoint.signature,
            })
            .execute();
        }
      }
      return { sealed: rows.length, position, hash, checkpoint, more: events.length === batch };
    });
    total += result.sealed;
    if (!result.more)
      return { sealed: total, position: result.position, hash: result.hash, checkpoint: result.checkpoint };
  }
}

/** The newest signed checkpoint, for exporting outside the database. */
export async function latestCheckpoint(db: Db): Promise<Checkpoint | undefined> {
  const row = await db
    .selectFrom("audit_checkpoint")
    .selectAll()
    .orderBy("position", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    position: row.position,
    hash: row.hash,
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}
