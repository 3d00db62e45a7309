import { appendAudit } from "../audit/audit.js";
import { auditRefusal } from "../authz/refusals.js";
import type { Db, Tx } from "../db/database.js";
import { targetKey } from "../domain/request.schema.js";
import type { Category } from "../domain/vocabulary.js";
import { enqueueJob, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { LeasedJob } from "../jobs/jobs.js";
import { enqueueMail } from "../mail/outbox.js";
import { scheduleUserNotices } from "../notices/user-notice.service.js";
import { releaseConfirmedHoldOnDelivery } from "../preservation/eu-preservation.js";
import { lockRequest, transitionLocked } from "../requests/lifecycle.js";
import { conflict, DomainError } from "../shared/errors.js";
import { DAY_MS } from "../shared/time.js";
import { archiveKeyOf, type StoredArchive } from "./archive.storage.js";
import { certificatePdf } from "./certificate.js";
import { collect } from "./fulfilment.collect.js";
import type { FulfilmentSettings, FulfilOptions, FulfilResult, Progress, Started } from "./fulfilment.types.js";
import { type BagMetadata, PackageBuilder } from "./package.builder.js";
import { EnforcingWait, failProduction, start } from "./production.start.js";
import { openSealer, type Sealer } from "./sealing.js";
import { defaultSource } from "./sources/index.js";
import { consistently, type DataSourceFactory } from "./sources/source.js";
import { DEFAULT_CHUNK_SIZE, makeHeader } from "./stream-cipher.js";

export { recordSerializer } from "./fulfilment.collect.js";
export type { FulfilmentSettings, FulfilOptions, FulfilResult, Progress } from "./fulfilment.types.js";
export { STALE_BUILD_MS } from "./production.start.js";

/**
 * Fulfilment: from an approved decision to an encrypted production the agency can download once.
 *
 *  1. start (one transaction): lock the request, check it is approved under the decision in force,
 *     open a production with a fresh key wrapped by the master key, move the request to `fulfilling`;
 *  2. collect: plan from the decision's `disclose` items and the policy in force (collection.ts), ask
 *     the data source, filter each record again, measure JSON and CSV per category (size and SHA-256);
 *  3. package: certificate, bag, then the tar written as it is produced (each category read from the
 *     source again and checked against its measure, package.builder.ts), encrypted in chunks and stored
 *     in the archive store (archive.storage.ts): one stream, one encryption pass, no spool, never the
 *     whole archive or a copy of it; both reads within one snapshot of the source where it offers one;
 *  4. seal (one transaction): mark the production ready, record each target's result, deliver the
 *     request, mail the agency a link (no secret in it), notify or schedule the users' notices, schedule
 *     the purge.
 * Each step is its own short transaction; nothing is held open while the source is read or the archive
 * written. A failure marks the production failed, deletes what was stored of it, and leaves the request
 * `fulfilling`, so fulfilment can start again. While it works, fulfilment renews the production's
 * heartbeat every few seconds; a `building` production whose heartbeat stopped (its process died) is
 * discarded by the next start, which opens a new one: the job runner takes such a job over once its
 * lease runs out (jobs/jobs.ts), and `custodian fulfil` can be run again by hand.
 */

// A live build renews its heartbeat this often; production.start.ts says when one is taken to have died.
const BUILD_HEARTBEAT_MS = 5_000;

export async function fulfilRequest(db: Db, options: FulfilOptions): Promise<FulfilResult> {
  const clock = options.now ?? (() => new Date());
  const { settings } = options;
  const keyring = settings.keyring;
  if (!keyring) {
    throw new DomainError(
      "conflict",
      "no master key configured: set CUSTODIAN_MASTER_KEY (or _FILE) to a key from `custodian keys generate`",
    );
  }
  const archives = settings.archives;
  const started = await db
    .transaction()
    .execute((tx) => start(tx, options, keyring, clock()))
    .catch(async (error: unknown) => {
      // Refused before anything was written: the refusal is audited on its own, on the request's timeline.
      if (error instanceof EnforcingWait) {
        await auditRefusal(
          db,
          {
            actor: options.actor,
            action: "production.refused",
            objectType: "request",
            objectId: options.requestId,
            reason: error.message,
            details: { waitsUntil: error.until.toISOString() },
          },
          clock(),
        );
      }
      throw error;
    });
  // Best effort, here and after a failure: what is left of a failed production is ciphertext whose key
  // was erased with its failure, noise to anyone; it must not stop this build or hide why one failed.
  if (started.abandoned) await archives.delete(archiveKeyOf(started.abandoned)).catch(() => {});
  const sealer = openSealer();
  const builder = new PackageBuilder(sealer, options.keepBytes);
  let beating: Promise<unknown> = Promise.resolve();
  let discarded = false;
  const heartbeat = setInterval(() => {
    beating = beating.then(async () => {
      const beat = await db
        .updateTable("production")
        .set({ heartbeat_at: clock() })
        .where("id", "=", started.productionId)
        .where("status", "=", "building")
        .executeTakeFirst()
        .catch(() => undefined); // A missed beat is made up by the next; staleness allows for several.
      if (beat?.numUpdatedRows === 0n) discarded = true;
    });
  }, BUILD_HEARTBEAT_MS);
  const onProgress = (progress: Progress) => {
    options.signal?.throwIfAborted();
    if (discarded) throw conflict(`production ${started.productionId} was discarded: another builder took over`);
    options.onProgress?.(progress);
  };
  try {
    // Both reads of the source (package.builder.ts) within one snapshot of it, where it offers one.
    const built = await consistently((options.source ?? defaultSource)(db), async (source) => {
      const collected = await collect(started, source, builder, onProgress);
      const producedAt = clock();
      const targets = collected.tallies.map((t) => ({
        target: t.target,
        account: t.account?.id ?? null,
        result: (t.records > 0 ? "data_produced" : "no_data") as "data_produced" | "no_data",
        records: t.records,
      }));
      const meta = bagMetadata(started, producedAt);
      // The tail (summary, certificate, tag files) is written last and is a few kilobytes: progress
      // counts the payload the first read measured.
      const measuredBytes = builder.payloadTarBytes;
      onProgress({ phase: "package", done: 0, total: measuredBytes });
      const stored = await storeArchive(
        started,
        options,
        sealer,
        builder,
        meta,
        () => completePayload(builder, started, options.actor, producedAt, collected, targets),
        (done) => onProgress({ phase: "package", done: Math.min(done, measuredBytes), total: measuredBytes }),
      );
      const payloadBytes = builder.tarSize(meta);
      if (stored.plaintextBytes !== payloadBytes) {
        throw new Error(`archive is ${stored.plaintextBytes} bytes, expected ${payloadBytes}`);
      }
      return { collected, targets, payloadBytes, stored: stored.archive };
    });
    const { collected, targets, payloadBytes, stored } = built;
    options.onProgress?.({ phase: "seal", done: 0, total: 1 });
    clearInterval(heartbeat);
    await beating;
    const result = await db.transaction().execute((tx) =>
      seal(tx, started, options, {
        now: clock(),
        archive: stored,
        payloadBytes,
        targets,
        categories: collected.categories,
        counts: collected.counts,
        refused: collected.refused,
        files: builder.files,
      }),
    );
    options.onProgress?.({ phase: "seal", done: 1, total: 1 });
    return result;
  } catch (error) {
    clearInterval(heartbeat);
    await beating;
    await db
      .transaction()
      .execute((tx) =>
        failProduction(tx, started.productionId, started.request.id, options.actor, clock(), (error as Error).message),
      );
    await archives.delete(started.archiveKey).catch(() => {});
    throw error;
  } finally {
    clearInterval(heartbeat);
    sealer.close();
  }
}

/**
 * The bag's last payload files, written after the data files since they list the digests the data
 * files' writing gave (package.builder.ts): the summary and the certificate, from what the first read found.
 */
async function completePayload(
  builder: PackageBuilder,
  started: Started,
  actor: string,
  producedAt: Date,
  collected: Awaited<ReturnType<typeof collect>>,
  targets: Array<{ target: string; account: string | null; result: "data_produced" | "no_data"; records: number }>,
): Promise<void> {
  const summary = {
    productionId: started.productionId,
    request: { id: started.request.id, reference: started.request.reference },
    decision: { id: started.decisionId, outcome: started.decisionOutcome, policy: started.policyLabel },
    policyInForce: `${started.compiled.name} ${started.compiled.version}`,
    producedAt: producedAt.toISOString(),
    producedBy: actor,
    targets,
    records: collected.counts,
    notProduced: collected.refused,
  };
  builder.addBuffer("data/summary.json", Buffer.from(`${JSON.stringify(summary, null, 2)}\n`));
  const period =
    started.request.dateFrom || started.request.dateTo
      ? `${started.request.dateFrom ?? "the beginning"} to ${started.request.dateTo ?? "receipt"} (inclusive), limited by each category's retention`
      : "until the request was received, limited by each category's retention";
  const certificate = await certificatePdf({
    provider: started.provider,
    productionId: started.productionId,
    producedAt,
    producedBy: actor,
    request: {
      id: started.request.id,
      reference: started.request.reference,
      agency: started.request.agencyName,
      jurisdiction: started.request.jurisdiction,
      process: started.request.process,
      receivedAt: started.request.receivedAt,
    },
    decision: {
      id: started.decisionId,
      policy: started.policyLabel,
      outcome: started.decisionOutcome,
      approvedBy: started.approvedBy,
      approvedAt: started.approvedAt,
    },
    period,
    targets,
    files: builder.files.map((f) => ({ path: f.path, bytes: f.size, sha256: f.sha256 })),
  });
  builder.addBuffer("data/certificate-of-authenticity.pdf", certificate);
}

function bagMetadata(started: Started, producedAt: Date): BagMetadata {
  return {
    bagName: started.bagName,
    mtime: producedAt,
    info: [
      ["Source-Organization", started.provider],
      ["External-Identifier", started.request.reference],
      ["Internal-Sender-Identifier", started.productionId],
      [
        "Internal-Sender-Description",
        `Production for request ${started.request.id} under decision ${started.decisionId}`,
      ],
      ["Bag-Software-Agent", "Custodian (https://github.com/custodian)"],
    ],
  };
}

/**
 * The tar, written as it is produced into the one encryption pass (the sealer's, sealing.ts) and on into
 * the archive store. A failure on either side (a file that changed, a store that refuses) stops both, and
 * the store is left without the archive: its `put` has settled, whole or not at all, before this returns
 * or throws. `onBytes` (progress, which throws once the build is aborted or taken over) stops it too.
 */
async function storeArchive(
  started: Started,
  options: FulfilOptions,
  sealer: Sealer,
  builder: PackageBuilder,
  meta: BagMetadata,
  complete: () => Promise<void>,
  onBytes: (plaintextBytes: number) => void,
): Promise<{ archive: StoredArchive; plaintextBytes: number }> {
  const sealed = sealer.seal(
    started.packageKey,
    makeHeader(started.productionId, options.chunkSize ?? DEFAULT_CHUNK_SIZE),
    onBytes,
  );
  const storing = options.settings.archives.put(started.archiveKey, sealed);
  // A store that gives up stops the writer, which may be waiting for it to read.
  storing.catch((error: unknown) => sealer.abort(error as Error));
  try {
    await builder.writeTar(meta, complete);
    sealer.end();
  } catch (error) {
    sealer.abort(error as Error);
    await storing.catch(() => undefined);
    throw error;
  }
  return { archive: await storing, plaintextBytes: sealer.plaintextBytes };
}

interface SealFacts {
  now: Date;
  archive: StoredArchive;
  payloadBytes: number;
  targets: Array<{ target: string; account: string | null; result: "data_produced" | "no_data"; records: number }>;
  categories: Category[];
  counts: Record<string, number>;
  refused: FulfilResult["refused"];
  files: FulfilResult["files"];
}

async function seal(tx: Tx, started: Started, options: FulfilOptions, facts: SealFacts): Promise<FulfilResult> {
  const { settings } = options;
  const locked = await lockRequest(tx, started.request.id);
  const production = await tx
    .selectFrom("production")
    .select(["status"])
    .where("id", "=", started.productionId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (locked.status !== "fulfilling" || production.status !== "building") {
    throw conflict(
      `production ${started.productionId} can no longer be sealed (request ${locked.status}, production ${production.status})`,
    );
  }
  const expiresAt = new Date(facts.now.getTime() + settings.downloadLinkDays * DAY_MS);
  const purgeAfter = new Date(facts.now.getTime() + settings.retentionDays * DAY_MS);
  const dataProduced = facts.targets.some((t) => t.result === "data_produced");
  const summary = {
    categories: facts.categories,
    records: facts.counts,
    files: facts.files.map((f) => ({ path: f.path, bytes: f.size, sha256: f.sha256 })),
    notProduced: facts.refused,
  };
  await tx
    .updateTable("production")
    .set({
      status: "ready",
      sealed_at: facts.now,
      heartbeat_at: facts.now,
      expires_at: expiresAt,
      purge_after: purgeAfter,
      archive_bytes: facts.archive.bytes,
      archive_sha256: facts.archive.sha256,
      payload_bytes: facts.payloadBytes,
      data_produced: dataProduced,
      summary: JSON.stringify(summary),
    })
    .where("id", "=", started.productionId)
    .execute();
  const positions = new Map(started.request.targets.map((t) => [targetKey(t), t.position]));
  if (facts.targets.length > 0) {
    await tx
      .insertInto("production_target")
      .values(
        facts.targets.map((t) => ({
          production_id: started.productionId,
          position: positions.get(t.target) ?? 0,
          target: t.target,
          account_ref: t.account,
          result: t.result,
          records: t.records,
        })),
      )
      .execute();
  }
  await appendAudit(
    tx,
    {
      actor: options.actor,
      action: "production.sealed",
      objectType: "production",
      objectId: started.productionId,
      payload: {
        requestId: started.request.id,
        decisionId: started.decisionId,
        archiveBytes: facts.archive.bytes,
        archiveSha256: facts.archive.sha256,
        payloadBytes: facts.payloadBytes,
        dataProduced,
        targets: facts.targets.map((t) => ({ target: t.target, result: t.result, records: t.records })),
        records: facts.counts,
        notProduced: facts.refused,
        manifest: facts.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
        expiresAt: expiresAt.toISOString(),
        purgeAfter: purgeAfter.toISOString(),
      },
    },
    facts.now,
  );
  await transitionLocked(tx, locked, {
    to: "delivered",
    actor: options.actor,
    reason: "production ready for the agency",
    now: facts.now,
    details: { productionId: started.productionId },
  });
  await releaseConfirmedHoldOnDelivery(tx, { requestId: started.request.id, actor: options.actor, now: facts.now });
  await enqueueJob(
    tx,
    "production.purge",
    { productionId: started.productionId },
    { runAt: purgeAfter, dedupeKey: `purge:${started.productionId}` },
  );
  const recipient = await agencyRecipient(tx, started.request.id);
  if (recipient) {
    await enqueueMail(tx, {
      to: recipient,
      subject: `Production ready: ${started.request.reference}`,
      // A link to the page only: signing in with the second factor is what opens the download.
      body:
        `The production for your request ${started.request.reference} is ready.\n\n` +
        `Sign in to download it (once, before ${expiresAt.toISOString().slice(0, 10)}):\n` +
        `${settings.publicUrl}/portal/productions/${started.productionId}\n`,
      purpose: "production.ready",
    });
  }
  await scheduleUserNotices(tx, {
    requestId: started.request.id,
    kind: "delivered",
    actor: options.actor,
    now: facts.now,
    settings: { emergencyDelayDays: settings.emergencyNoticeDelayDays },
    ...(options.source ? { source: options.source } : {}),
  });
  return {
    productionId: started.productionId,
    bagName: started.bagName,
    archiveBytes: facts.archive.bytes,
    payloadBytes: facts.payloadBytes,
    files: facts.files,
    targets: facts.targets.map(({ target, result, records }) => ({ target, result, records })),
    refused: facts.refused,
    expiresAt,
  };
}

/** The officer who submitted the request, or the address the request document gave. */
async function agencyRecipient(tx: Tx, requestId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom("request as r")
    .leftJoin("app_user as u", "u.id", "r.submitted_by")
    .select(["u.email", "r.original_document"])
    .where("r.id", "=", requestId)
    .executeTakeFirstOrThrow();
  if (row.email) return row.email;
  try {
    const email = (JSON.parse(row.original_document) as { agency?: { email?: unknown } }).agency?.email;
    return typeof email === "string" ? email : undefined;
  } catch {
    return undefined;
  }
}

/** Queue fulfilment as a job (e.g. in the transaction that approves the request). */
// Where a leftover fulfilment job has nothing left to do: fulfilled already, or no longer to be fulfilled.
const FULFILLABLE: readonly string[] = ["approved", "fulfilling"];

/**
 * Job `request.fulfil` (leased): the same work as `custodian fulfil`, reporting progress on stderr. A job
 * left over for a request that is already delivered (or no longer approved) completes without doing
 * anything; one taken over after its holder died discards the dead holder's production and starts anew.
 */
export function fulfilRequestJob(
  settings: FulfilmentSettings,
  source?: DataSourceFactory,
): LeasedJob<JobPayload<"request.fulfil">> {
  return async (db, { requestId, actor }, job) => {
    const request = await db.selectFrom("request").select("status").where("id", "=", requestId).executeTakeFirst();
    if (!request || !FULFILLABLE.includes(request.status)) {
      process.stderr.write(
        `job ${job.id} request.fulfil ${requestId}: nothing to do, the request is ${request?.status ?? "gone"}\n`,
      );
      return;
    }
    let lastPercent = -1;
    // The runner's clock from the claim on: real time under the server, a test's own time in tests.
    const claimedAt = performance.now();
    await fulfilRequest(db, {
      requestId,
      actor,
      settings,
      ...(source ? { source } : {}),
      now: () => new Date(job.now.getTime() + Math.round(performance.now() - claimedAt)),
      signal: job.signal,
      onProgress: (p) => {
        const percent = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
        // Every tenth, and 100 % once: the archive's last chunks all report 100 % (the demo printed it ~40 times).
        if (p.phase === "package" && (percent === lastPercent || (percent < lastPercent + 10 && percent !== 100))) {
          return;
        }
        lastPercent = p.phase === "package" ? percent : -1;
        process.stderr.write(`job ${job.id} request.fulfil ${requestId}: ${p.phase} ${percent}%\n`);
      },
    });
  };
}
