import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { eventDigest, STORED_EVENT_COLUMNS, type StoredEvent } from "../../src/audit/audit.js";
import { chainHash, GENESIS_HASH, type SealOptions, sealAudit } from "../../src/audit/seal.js";
import type { Db, Tx } from "../../src/db/database.js";

/** Recompute every chain hash from `from` on, as someone rewriting the log consistently would. */
export async function rechain(tx: Tx, from: number): Promise<void> {
  let previous =
    from <= 1
      ? GENESIS_HASH
      : await sql<{ hash: string }>`select hash from audit_chain where position = ${from - 1}`
          .execute(tx)
          .then((r) => r.rows[0]?.hash ?? GENESIS_HASH);
  const rows = await sql<StoredEvent & { position: number; event_id: number }>`
    select c.position, c.event_id, ${STORED_EVENT_COLUMNS}
      from audit_chain c join audit_event e on e.id = c.event_id
     where c.position >= ${from} order by c.position`
    .execute(tx)
    .then((r) => r.rows);
  if (rows.length === 0) return;
  const values = rows.map((row) => {
    previous = chainHash(previous, row.position, row.event_id, eventDigest(row));
    return sql`(${row.position}::bigint, ${previous}::text)`;
  });
  await sql`update audit_chain c set hash = v.hash from (values ${sql.join(values)}) as v(position, hash)
             where c.position = v.position`.execute(tx);
}

/** Seal until every committed event is chained (on a shared server, another database's transaction can hold it back). */
export async function sealAll(db: Db, options: SealOptions = {}): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    await sealAudit(db, options);
    const { n } = await sql<{ n: number }>`
      select count(*)::int as n from audit_event e where not exists (select 1 from audit_chain c where c.event_id = e.id)`
      .execute(db)
      .then((r) => r.rows[0] as { n: number });
    if (n === 0) return;
    if (attempt > 400) throw new Error(`${n} committed event(s) still unsealed`);
    await sleep(25);
  }
}
