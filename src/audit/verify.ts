import type { KeyObject } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/database.js";
import { eventDigest, STORED_EVENT_COLUMNS, type StoredEvent } from "./audit.js";
import { CHECKPOINT_EVERY, chainHash, GENESIS_HASH } from "./seal.js";
import { type Checkpoint, checkpointSignatureValid } from "./signing.js";

/**
 * `audit verify`: walk the chain from the first position, recompute every event's digest and every
 * chain hash, check every checkpoint's signature and that the chain still passes through it, and report
 * the first place where the log was altered, removed from, inserted into, reordered or truncated, and, when
 * keys are given, whether the sealed log is vouched for by signed checkpoints up to its last few entries.
 */

export const PROBLEM_KINDS = [
  "altered",
  "removed",
  "inserted",
  "reordered",
  "truncated",
  "bad_signature",
  "unvouched",
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

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
  /**
   * With keys given, at most this many sealed entries may follow the newest validly signed checkpoint
   * (the interval the sealer signs at; CHECKPOINT_EVERY by default). More means checkpoints were removed,
   * and the entries after the last one left could have been rewritten unnoticed.
   */
  checkpointEvery?: number;
  /** Stop after this many problems (the first is what matters; the rest are usually its echoes). */
  maxProblems?: number;
  pageSize?: number;
  /** Segments of the chain verified side by side (default 2). */
  parallelism?: number;
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

  const keys = options.publicKeys ?? [];
  let newestSigned = 0;
  for (const list of checkpoints.values()) {
    for (const checkpoint of list) {
      if (keys.some((key) => checkpointSignatureValid(checkpoint, key))) {
        newestSigned = Math.max(newestSigned, checkpoint.position);
      } else {
        report({
          kind: "bad_signature",
          position: checkpoint.position,
          detail: `checkpoint at position ${checkpoint.position} (${checkpoint.source}) is not signed by a trusted key`,
        });
      }
    }
  }

  // Each row is checked against the stored hash of the row before it, so the chain can be walked in
  // independent segments, side by side (PostgreSQL then reads and the verifier hashes on several cores).
  const bounds = await sql<{ first: number | null; last: number | null }>`
    select min(position)::bigint as first, max(position)::bigint as last from audit_chain`
    .execute(db)
    .then((r) => r.rows[0]);
  const last = bounds?.last ?? 0;
  if (bounds?.first && bounds.first > 1) {
    report({
      kind: "removed",
      position: 1,
      detail: `entries at positions 1–${bounds.first - 1} were removed from the chain`,
    });
  }
  const parallelism = Math.max(1, Math.min(options.parallelism ?? 2, Math.ceil(last / 50_000)));
  const size = Math.ceil(last / parallelism);
  const segments = await Promise.all(
    Array.from({ length: last > 0 ? parallelism : 0 }, (_, k) =>
      withoutParallelWorkers(db, (handle) =>
        verifySegment(handle, k * size + 1, Math.min(last, (k + 1) * size), pageSize, checkpoints),
      ),
    ),
  );
  let entries = 0;
  let checkpointsChecked = 0;
  for (const segment of segments) {
    entries += segment.entries;
    checkpointsChecked += segment.checkpointsChecked;
    for (const problem of segment.problems) report(problem);
  }
  const headHash = segments.at(-1)?.lastHash ?? GENESIS_HASH;

  for (const [position, list] of checkpoints) {
    if (position > last) {
      for (const checkpoint of list) {
        report({
          kind: "truncated",
          position: last + 1,
          detail: `the log ends at position ${last} but a checkpoint (${checkpoint.source}) vouches for position ${position}: entries ${last + 1}–${position} were removed`,
        });
      }
    }
  }
  const every = options.checkpointEvery ?? CHECKPOINT_EVERY;
  if (keys.length > 0 && last - newestSigned >= every) {
    report({
      kind: "unvouched",
      position: newestSigned + 1,
      detail:
        newestSigned === 0
          ? `${last} sealed entries and no signed checkpoint (one is signed at least every ${every}): checkpoints were removed, and the whole log could have been rewritten`
          : `${last - newestSigned} sealed entries follow the newest signed checkpoint (position ${newestSigned}; one is signed at least every ${every}): checkpoints were removed, and entries ${newestSigned + 1}–${last} could have been rewritten`,
    });
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

  // The first place the log went wrong comes first; problems without a position (signatures) after.
  problems.sort((a, b) => (a.position ?? Number.POSITIVE_INFINITY) - (b.position ?? Number.POSITIVE_INFINITY));
  return {
    ok: problems.length === 0,
    entries,
    headHash,
    checkpointsChecked,
    unsealed,
    problems,
  };
}

/**
 * Run a segment's reads in a read-only transaction of its own, without parallel workers inside each
 * page's query: the segments already use the cores, and a Gather Merge per page costs more than it saves.
 * Inside a caller's transaction (tests verify a tampered log before rolling it back) it reads as it is.
 */
async function withoutParallelWorkers<T>(db: Db, work: (handle: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(async (tx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(tx);
    return work(tx);
  });
}

interface SegmentResult {
  entries: number;
  lastHash: string;
  checkpointsChecked: number;
  problems: AuditProblem[];
}

type ChainRow = StoredEvent & {
  position: number;
  event_id: number;
  hash: string;
  id: number | null;
  digest: string | null;
};

async function verifySegment(
  db: Db,
  from: number,
  to: number,
  pageSize: number,
  checkpoints: ReadonlyMap<number, Array<Checkpoint & { source: string }>>,
): Promise<SegmentResult> {
  const problems: AuditProblem[] = [];
  let checkpointsChecked = 0;
  // The stored hash before the segment; if that row is gone, the segment before reports it.
  let previous: string | undefined =
    from === 1
      ? GENESIS_HASH
      : await sql<{ hash: string }>`select hash from audit_chain where position = ${from - 1}`
          .execute(db)
          .then((r) => r.rows[0]?.hash);
  let expected = from;
  let entries = 0;
  for (let after = from - 1; after < to; ) {
    // Keyset pagination: constant memory and constant cost per page at any log size.
    const page = await sql<ChainRow>`
      select c.position, c.event_id, c.hash, e.id, e.digest, ${STORED_EVENT_COLUMNS}
        from audit_chain c left join audit_event e on e.id = c.event_id
       where c.position > ${after} and c.position <= ${to}
       order by c.position
       limit ${pageSize}`
      .execute(db)
      .then((r) => r.rows);
    if (page.length === 0) break;
    for (const row of page) {
      entries += 1;
      if (problems.length === 0) {
        const problem = checkRow(row, expected, previous);
        if (problem) problems.push(problem);
      }
      for (const checkpoint of checkpoints.get(row.position) ?? []) {
        checkpointsChecked += 1;
        if (checkpoint.hash !== row.hash) {
          problems.push({
            kind: "altered",
            position: row.position,
            detail: `the chain no longer passes through the checkpoint at position ${row.position} (${checkpoint.source}): history before it was rewritten`,
          });
        }
      }
      previous = row.hash;
      expected = row.position + 1;
      after = row.position;
    }
  }
  if (expected <= to && problems.length === 0) {
    problems.push({
      kind: "removed",
      position: expected,
      detail: `entries at positions ${expected}–${to} were removed from the chain`,
    });
  }
  return { entries, lastHash: previous ?? GENESIS_HASH, checkpointsChecked, problems };
}

function checkRow(row: ChainRow, expected: number, previous: string | undefined): AuditProblem | undefined {
  if (row.position !== expected) {
    return {
      kind: "removed",
      position: expected,
      detail: `entries at positions ${expected}–${row.position - 1} were removed from the chain`,
    };
  }
  if (row.id === null) {
    return {
      kind: "removed",
      position: row.position,
      eventId: row.event_id,
      detail: `entry at position ${row.position} (event ${row.event_id}) was removed`,
    };
  }
  const digest = eventDigest(row);
  if (digest !== row.digest) {
    return {
      kind: "altered",
      position: row.position,
      eventId: row.id,
      detail: `entry at position ${row.position} (event ${row.id}) was altered: its content no longer matches its digest`,
    };
  }
  if (previous !== undefined && chainHash(previous, row.position, row.event_id, digest) !== row.hash) {
    return {
      kind: "reordered",
      position: row.position,
      eventId: row.id,
      detail: `chain broken at position ${row.position} (event ${row.id}): an entry was inserted, removed, replaced or reordered here`,
    };
  }
  return undefined;
}
