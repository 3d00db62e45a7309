import { sql } from "kysely";
import { eventDigest, STORED_EVENT_COLUMNS, type StoredEvent } from "../../src/audit/audit.js";
import { chainHash, GENESIS_HASH } from "../../src/audit/seal.js";
import type { Tx } from "../../src/db/database.js";

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
