import type { KeyObject } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { eventDigest } from "./audit.js";
import { chainHash, GENESIS_HASH } from "./seal.js";
import { type Checkpoint, checkpointSignatureValid } from "./signing.js";

/**
 * `audit verify`: walk the chain from the first position, recompute every event's digest and every
 * chain hash, check every checkpoint's signature and that the chain still passes through it, and report
 * the first place where the log was altered, removed from, inserted into, reordered or truncated.
 */

export type ProblemKind = "altered" | "removed" | "inserted" | "reordered" | "truncated" | "bad_signature";

export interface AuditProblem {
  kind: ProblemKind;
  position?: number;
  eventId?: number;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  headHash: string;
  checkpointsChecked: number;
  /** Events committed but not sealed yet (at most the sealing delay's worth). */
  unsealed: number;
  problems: AuditProblem[];
}

export interface VerifyOptions {
  /** Keys checkpoints may be signed with; without one, signatures cannot be checked and that is a problem. */
  publicKeys?: KeyObject[];
  /** Checkpoints exported earlier (`audit checkpoint --out`), which the log must still extend. */
  against?: Checkpoint[];
  /** Stop after this many problems (the first is what matters; the rest are usually its echoes). */
  maxProblems?: number;
  pageSize?: number;
}

interface ChainRow {
  position: number;
  event_id: number;
  hash: string;
  id: number | null;
  occurred_at: Date | null;
  actor: string | null;
  action: string | null;
  object_type: string | null;
  object_id: string | null;
  payload: unknown;
  digest: string | null;
}

export async function verifyAudit(db: Db, options: VerifyOptions = {}): Promise<VerifyReport> {
  const maxProblems = options.maxProblems ?? 20;
  const pageSize = options.pageSize ?? 10_000;
  const problems: AuditProblem[] = [];
  const report = (problem: AuditProblem) => {
    if (problems.length < maxProblems) problems.push(problem);
  };

  // Checkpoints to hold the chain against: those in the database and those kept outside it.
  const stored = await db.selectFrom("audit_checkpoint").selectAll().orderBy("position").execute();
  const checkpoints = new Map<number, Array<Checkpoint & { source: string }>>();
  const addCheckpoint = (checkpoint: Checkpoint, source: string) => {
    const list = checkpoints.get(checkpoint.position) ?? [];
    list.push({ ...checkpoint, source });
    checkpoints.set(checkpoint.position, list);
  };
  for (const row of stored) {
    addCheckpoint(
      {
        position: row.position,
        hash: row.hash,
        signedAt: row.signed_at.toISOString(),
        keyId: row.key_id,
        signature: row.signature,
      },
      "database",
    );
  }
  for (const checkpoint of options.against ?? []) addCheckpoint(checkpoint, "exported file");

  let checkpointsChecked = 0;
  for (const list of checkpoints.values()) {
    for (const checkpoint of list) {
      const keys = options.publicKeys ?? [];
      if (!keys.some((key) => checkpointSignatureValid(checkpoint, key))) {
        report({
          kind: "bad_signature",
          position: checkpoint.position,
          detail: `checkpoint at position ${checkpoint.position} (${checkpoint.source}) is not signed by a trusted key`,
        });
      }
    }
  }

  let expected = 1;
  let previous = GENESIS_HASH;
  let entries = 0;
  let broken = false;
  for (let after = 0; ; ) {
    // Keyset pagination: constant memory and constant cost per page at any log size.
    const page = await sql<ChainRow>`
      select c.position, c.event_id, c.hash, e.id, e.occurred_at, e.actor, e.action, e.object_type,
             e.object_id, e.payload, e.digest
        from audit_chain c left join audit_event e on e.id = c.event_id
       where c.position > ${after}
       order by c.position
       limit ${pageSize}`
      .execute(db)
      .then((r) => r.rows);
    if (page.length === 0) break;
    for (const row of page) {
      entries += 1;
      if (!broken) {
        if (row.position !== expected) {
          report({
            kind: "removed",
            position: expected,
            detail:
              row.position > expected
                ? `entries at positions ${expected}–${row.position - 1} were removed from the chain`
                : `position ${row.position} appears out of order`,
          });
          broken = true;
        } else if (row.id === null) {
          report({
            kind: "removed",
            position: row.position,
            eventId: row.event_id,
            detail: `entry at position ${row.position} (event ${row.event_id}) was removed`,
          });
          broken = true;
        } else {
          const digest = eventDigest({
            occurredAt: row.occurred_at as Date,
            actor: row.actor as string,
            action: row.action as string,
            objectType: row.object_type as string,
            objectId: row.object_id as string,
            payload: row.payload,
          });
          const hash = chainHash(previous, row.position, row.event_id, digest);
          if (digest !== row.digest) {
            report({
              kind: "altered",
              position: row.position,
              eventId: row.id,
              detail: `entry at position ${row.position} (event ${row.id}) was altered: its content no longer matches its digest`,
            });
            broken = true;
          } else if (hash !== row.hash) {
            report({
              kind: "reordered",
              position: row.position,
              eventId: row.id,
              detail: `chain broken at position ${row.position} (event ${row.id}): an entry was inserted, removed, replaced or reordered here`,
            });
            broken = true;
          }
          previous = row.hash;
        }
      }
      for (const checkpoint of checkpoints.get(row.position) ?? []) {
        checkpointsChecked += 1;
        if (checkpoint.hash !== row.hash) {
          report({
            kind: "altered",
            position: row.position,
            detail: `the chain no longer passes through the checkpoint at position ${row.position} (${checkpoint.source}): history before it was rewritten`,
          });
        }
      }
      expected = row.position + 1;
      after = row.position;
    }
    if (page.length < pageSize) break;
  }

  const last = expected - 1;
  for (const [position, list] of checkpoints) {
    if (position > last) {
      for (const checkpoint of list) {
        report({
          kind: "truncated",
          position,
          detail: `the log ends at position ${last} but a checkpoint (${checkpoint.source}) vouches for position ${position}: it was truncated`,
        });
      }
    }
  }

  // Events below the sealing watermark must all be in the chain; one that is not was slipped in later.
  const stray = await sql<{ id: number }>`
    select e.id from audit_event e
     where e.xid < (select sealed_below from audit_seal_state)
       and not exists (select 1 from audit_chain c where c.event_id = e.id)
     order by e.id limit 5`
    .execute(db)
    .then((r) => r.rows);
  for (const { id } of stray) {
    report({ kind: "inserted", eventId: id, detail: `event ${id} was inserted behind the sealed part of the log` });
  }
  const unsealed = await sql<{ n: number }>`
    select count(*)::int as n from audit_event e
     where e.xid >= (select sealed_below from audit_seal_state)
       and not exists (select 1 from audit_chain c where c.event_id = e.id)`
    .execute(db)
    .then((r) => r.rows[0]?.n ?? 0);

  return {
    ok: problems.length === 0,
    entries,
    headHash: previous,
    checkpointsChecked,
    unsealed,
    problems,
  };
}
