import { hash } from "node:crypto";
import pg from "pg";
import type { AuditEntry } from "../src/audit/audit.events.js";
import { auditRow } from "../src/audit/audit.js";
import { listAuditTrail, type TrailFilter } from "../src/audit/audit.trail.js";
import { sealAudit } from "../src/audit/seal.js";
import { generateSigningKeySeed, parseSigningKey } from "../src/audit/signing.js";
import { verifyAudit } from "../src/audit/verify.js";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { median, ratioOf } from "./harness.js";
import { scratchDatabase } from "./support/postgres.js";

/**
 * `audit verify` on a log of 1,000,000 entries (target: under 5 s), beside the floor for the same work:
 * the same rows read through plain `pg` and hashed once each, with no checking at all. Sealing speed
 * (entries chained per second) is measured on the way, and so is the auditors' trail: page 100 of one
 * actor's events against page 1 (keyset paging should make them cost the same).
 */

const ACTIONS = ["request.received", "request.decided", "request.transitioned", "request.reviewed"] as const;
const CHUNK = 20_000;

export const benchmark = {
  name: "audit",
  description: "audit verify over 1M entries vs reading and hashing the same rows",
  async run(scale: number) {
    const entries = Math.max(10_000, Math.round(1_000_000 * scale));
    const scratch = await scratchDatabase("audit");
    const database = await openDatabase({ url: scratch.url });
    const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
    try {
      await migrateToLatest(database.db);
      // Realistic rows, written in bulk (the writing is not what is measured).
      const start = Date.parse("2020-01-01T00:00:00Z");
      for (let from = 0; from < entries; from += CHUNK) {
        const n = Math.min(CHUNK, entries - from);
        const rows = Array.from({ length: n }, (_, k) => {
          const i = from + k;
          // A mix of actions over one payload shape: what verify reads and hashes, not what the events say.
          return auditRow(
            {
              actor: `reviewer${i % 37}@desk`,
              action: ACTIONS[i % ACTIONS.length] as (typeof ACTIONS)[number],
              objectType: "request",
              objectId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
              payload: { from: "under_review", to: "approved", reason: `step ${i}`, decisionId: `d-${i}` },
            } as AuditEntry,
            new Date(start + i * 1000),
          );
        });
        await pool.query(
          `insert into audit_event (occurred_at, actor, action, object_type, object_id, payload)
           select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])`,
          [
            rows.map((r) => r.occurred_at),
            rows.map((r) => r.actor),
            rows.map((r) => r.action),
            rows.map((r) => r.object_type),
            rows.map((r) => r.object_id),
            rows.map((r) => r.payload),
          ],
        );
      }
      await pool.query("vacuum analyze audit_event");

      const key = parseSigningKey(generateSigningKeySeed());
      const sealStarted = performance.now();
      const sealed = await sealAudit(database.db, { key, checkpointEvery: 100_000, batch: 20_000 });
      const sealSeconds = (performance.now() - sealStarted) / 1000;
      await pool.query("vacuum analyze audit_chain");

      const verifyStarted = performance.now();
      const report = await verifyAudit(database.db, { publicKeys: [key.publicKey] });
      const verifySeconds = (performance.now() - verifyStarted) / 1000;
      if (!report.ok || report.entries !== entries) {
        throw new Error(`audit bench: verify found ${report.problems[0]?.detail ?? `${report.entries} entries`}`);
      }

      // The floor: the same join read page by page through plain pg, one SHA-256 per row, nothing checked.
      const floorStarted = performance.now();
      let after = 0;
      let sink = 0;
      for (;;) {
        const { rows } = await pool.query<Record<string, unknown>>(
          `select c.position, c.hash, e.occurred_at::text, e.actor, e.action, e.object_type, e.object_id, e.payload::text, e.digest
             from audit_chain c join audit_event e on e.id = c.event_id
            where c.position > $1 order by c.position limit 10000`,
          [after],
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          sink ^=
            hash("sha256", `${row.occurred_at}${row.actor}${row.action}${row.object_id}${row.payload}`, "buffer")[0] ??
            0;
        }
        after = Number(rows.at(-1)?.position);
        if (rows.length < 10000) break;
      }
      const floorSeconds = (performance.now() - floorStarted) / 1000;

      // The auditors' trail, filtered by actor: page 1, then page 100 reached by its cursor.
      const auditor = {
        userId: "00000000-0000-4000-8000-000000000000",
        email: "auditor@bench",
        role: "auditor" as const,
        agencyId: null,
        via: "session" as const,
        scopes: "all" as const,
      };
      const filter: TrailFilter = { actor: "reviewer5@desk", order: "newest", limit: 50 };
      let cursor: string | null = null;
      for (let page = 1; page < 100; page += 1) {
        cursor = (await listAuditTrail(database.db, auditor, { ...filter, ...(cursor ? { after: cursor } : {}) })).next;
      }
      const timed = async (after: string | null) => {
        const runs: number[] = [];
        for (let k = 0; k < 15; k += 1) {
          const started = performance.now();
          await listAuditTrail(database.db, auditor, { ...filter, ...(after ? { after } : {}) });
          runs.push(performance.now() - started);
        }
        return median(runs);
      };
      const firstMs = await timed(null);
      const hundredthMs = await timed(cursor);

      return [
        {
          bench: "audit",
          figure: "audit trail page 100 of one actor's events, ms",
          value: Number(hundredthMs.toFixed(2)),
          peer: "page 1",
          peerValue: Number(firstMs.toFixed(2)),
          ratio: ratioOf(firstMs, hundredthMs),
          note: "median of 15; keyset on (actor, id), migration 0008",
        },
        {
          bench: "audit",
          figure: `audit verify, seconds for ${entries.toLocaleString("en")} entries`,
          value: Number(verifySeconds.toFixed(2)),
          peer: "read + one SHA-256 per row (plain pg)",
          peerValue: Number(floorSeconds.toFixed(2)),
          ratio: Number((floorSeconds / verifySeconds).toFixed(2)),
          note: `${Math.round(entries / verifySeconds).toLocaleString("en")} entries/s verified; checksum ${sink}`,
        },
        {
          bench: "audit",
          figure: "audit entries sealed/s",
          value: Math.round(sealed.sealed / sealSeconds),
          peer: "audit entries verified/s",
          peerValue: Math.round(entries / verifySeconds),
          ratio: Number((sealed.sealed / sealSeconds / (entries / verifySeconds)).toFixed(2)),
          note: `${sealed.sealed} entries chained and checkpointed every 100,000`,
        },
      ];
    } finally {
      await pool.end();
      await database.close();
      await scratch.drop();
    }
  },
};

export default benchmark;
