import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { appendAudit } from "../audit/audit.js";
import type { Db, Tx } from "../db/database.js";
import { targetFromRow, targetKey } from "../domain/request.schema.js";
import { CATEGORIES, type Category } from "../domain/vocabulary.js";
import { enqueueJob, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { LeasedJob } from "../jobs/jobs.js";
import { enqueueMail } from "../mail/outbox.js";
import { scheduleUserNotices } from "../notices/user-notice.service.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { currentDecision } from "../requests/decisions.repository.js";
import { lockRequest, transitionLocked } from "../requests/lifecycle.js";
import { conflict, DomainError, invalidTransition } from "../shared/errors.js";
import type { Keyring } from "../shared/master-key.js";
import { DAY_MS } from "../shared/time.js";
import { certificatePdf } from "./certificate.js";
import { admits, type PlannedItem, planCollection, type StoredRequest } from "./collection.js";
import { newPackageKey, wrapPackageKey } from "./keyring.js";
import { csvField, PackageBuilder } from "./package.builder.js";
import { storeChunks } from "./production.store.js";
import { defaultSource } from "./sources/index.js";
import type { AccountRef, DataSource, DataSourceFactory, SourceRecord } from "./sources/source.js";
import { createEncryptStream, DEFAULT_CHUNK_SIZE, makeHeader } from "./stream-cipher.js";

/**
 * Fulfilment: from an approved decision to an encrypted production the agency can download once.
 *
 *  1. start (one transaction): lock the request, check it is approved under the decision in force,
 *     open a production with a fresh key wrapped by the master key, move the request to `fulfilling`;
 *  2. collect: plan from the decision's `disclose` items and the policy in force (collection.ts), ask
 *     the data source, filter each record again, spool JSON and CSV per category;
 *  3. package: certificate, bag, tar, encrypt in chunks, store, without ever holding the whole archive;
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

export interface FulfilmentSettings {
  keyring: Keyring | undefined;
  retentionDays: number;
  downloadLinkDays: number;
  emergencyNoticeDelayDays: number;
  publicUrl: string;
}

export interface Progress {
  phase: "collect" | "package" | "seal";
  done: number;
  total: number;
  detail?: string;
}

export interface FulfilOptions {
  requestId: string;
  actor: string;
  settings: FulfilmentSettings;
  now?: () => Date;
  source?: DataSourceFactory;
  onProgress?: (progress: Progress) => void;
  chunkSize?: number;
  /** Stops the work (the production fails) when aborted: the job's lease was taken over. */
  signal?: AbortSignal;
}

export interface FulfilResult {
  productionId: string;
  bagName: string;
  archiveBytes: number;
  payloadBytes: number;
  files: Array<{ path: string; size: number; sha256: string }>;
  targets: Array<{ target: string; result: "data_produced" | "no_data"; records: number }>;
  refused: Array<{ target: string; category: string; reason: string }>;
  expiresAt: Date;
}

// A live build renews its heartbeat this often, and one whose heartbeat is older than STALE_BUILD_MS is
// taken to have died. The job lease (30 s, renewed every 10 s) runs out at least 20 s after its holder's
// death, so a job taken over always finds the dead holder's production stale.
const BUILD_HEARTBEAT_MS = 5_000;
export const STALE_BUILD_MS = 20_000;

interface Started {
  productionId: string;
  packageKey: Buffer;
  bagName: string;
  decisionId: string;
  decisionOutcome: string;
  policyLabel: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  request: StoredRequest & { id: string; agencyName: string; jurisdiction: string; process: string };
  items: unknown[];
  provider: string;
  compiled: Awaited<ReturnType<typeof loadPolicyInForce>>["compiled"];
}

async function start(tx: Tx, options: FulfilOptions, keyring: Keyring, now: Date): Promise<Started> {
  const locked = await lockRequest(tx, options.requestId);
  if (locked.status === "fulfilling") {
    const live = await tx
      .selectFrom("production")
      .select(["id", "status", "heartbeat_at"])
      .where("request_id", "=", locked.id)
      .where("status", "in", ["building", "ready", "downloaded"])
      .executeTakeFirst();
    if (live && (live.status !== "building" || now.getTime() - live.heartbeat_at.getTime() < STALE_BUILD_MS)) {
      throw conflict(`request ${locked.id} is being fulfilled (production ${live.id} is ${live.status})`);
    }
    if (live) {
      await failProduction(tx, live.id, locked.id, options.actor, now, "abandoned: its builder stopped (no heartbeat)");
    }
  } else if (locked.status !== "approved") {
    throw invalidTransition(`request ${locked.id} is ${locked.status}; only an approved request can be fulfilled`);
  }
  const decision = await currentDecision(tx, locked.id);
  if (!decision) throw invalidTransition(`request ${locked.id} has no decision`);
  const approval = await tx
    .selectFrom("review")
    .select(["decision_id", "reviewer", "created_at"])
    .where("request_id", "=", locked.id)
    .where("verdict", "=", "approve")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  // Only what was approved leaves: a decision made after the approval (a resumed pause, a new policy)
  // has not been approved, whatever it says; nor has a request moved to `approved` without a review.
  if (!approval) throw invalidTransition(`request ${locked.id} has no recorded approval`);
  if (approval.decision_id !== decision.id) {
    throw invalidTransition(
      `request ${locked.id}: the decision in force (${decision.id}) is not the one approved (${approval.decision_id})`,
    );
  }
  const request = await tx
    .selectFrom("request as r")
    .innerJoin("agency as a", "a.id", "r.agency_id")
    .select([
      "r.id",
      "r.reference",
      "r.received_at",
      "r.categories",
      "r.date_from",
      "r.date_to",
      "r.jurisdiction",
      "r.process",
      "r.agency_id",
      "a.name as agency_name",
    ])
    .where("r.id", "=", locked.id)
    .executeTakeFirstOrThrow();
  const targets = await tx
    .selectFrom("request_target")
    .select(["position", "type", "value", "observed_at", "time_zone", "port"])
    .where("request_id", "=", locked.id)
    .orderBy("position")
    .execute();
  const policy = await loadPolicyInForce(tx);

  const productionId = randomUUID();
  const packageKey = newPackageKey();
  const bagName = `custodian-production-${productionId}`;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  await tx
    .insertInto("production")
    .values({
      id: productionId,
      request_id: locked.id,
      decision_id: decision.id,
      agency_id: request.agency_id,
      status: "building",
      started_by: options.actor,
      started_at: now,
      heartbeat_at: now,
      wrapped_key: wrapPackageKey(keyring.current, productionId, packageKey),
      master_key_id: keyring.current.id,
      chunk_size: chunkSize,
      bag_name: bagName,
    })
    .execute();
  if (locked.status === "approved") {
    await transitionLocked(tx, locked, {
      to: "fulfilling",
      actor: options.actor,
      reason: "fulfilment started",
      now,
      details: { productionId },
    });
  }
  await appendAudit(
    tx,
    {
      actor: options.actor,
      action: "production.started",
      objectType: "production",
      objectId: productionId,
      payload: {
        requestId: locked.id,
        decisionId: decision.id,
        policy: { name: policy.compiled.name, version: policy.compiled.version },
        masterKeyId: keyring.current.id,
      },
    },
    now,
  );
  return {
    productionId,
    packageKey,
    bagName,
    decisionId: decision.id,
    decisionOutcome: decision.outcome,
    policyLabel: `${decision.policy_name} ${decision.policy_version}`,
    approvedBy: approval.reviewer,
    approvedAt: approval.created_at,
    request: {
      id: request.id,
      reference: request.reference,
      receivedAt: request.received_at,
      categories: request.categories,
      dateFrom: request.date_from,
      dateTo: request.date_to,
      // With an ip_address's moment and port, so each target's key is the one its decision items carry.
      targets: targets.map((t) => ({ position: t.position, ...targetFromRow(t) })),
      agencyName: request.agency_name,
      jurisdiction: request.jurisdiction,
      process: request.process,
    },
    items: decision.items,
    provider: policy.compiled.name,
    compiled: policy.compiled,
  };
}

async function failProduction(tx: Tx, productionId: string, requestId: string, actor: string, now: Date, why: string) {
  // A builder that stalled and woke after being taken over may have stored more since: its own failure
  // deletes that too.
  await tx.deleteFrom("production_chunk").where("production_id", "=", productionId).execute();
  await tx.deleteFrom("production_target").where("production_id", "=", productionId).execute();
  const failed = await tx
    .updateTable("production")
    .set({ status: "failed", wrapped_key: null, heartbeat_at: now })
    .where("id", "=", productionId)
    .where("status", "=", "building")
    .executeTakeFirst();
  // Already discarded by whoever took the work over: it was failed and audited then.
  if (failed.numUpdatedRows === 0n) return;
  await appendAudit(
    tx,
    {
      actor,
      action: "production.failed",
      objectType: "production",
      objectId: productionId,
      payload: { requestId, reason: why.slice(0, 500) },
    },
    now,
  );
}

interface TargetTally {
  target: string;
  position: number;
  account: AccountRef | undefined;
  records: number;
}

async function collect(
  started: Started,
  source: DataSource,
  builder: PackageBuilder,
  onProgress: FulfilOptions["onProgress"],
): Promise<{
  tallies: TargetTally[];
  refused: FulfilResult["refused"];
  categories: Category[];
  counts: Record<string, number>;
}> {
  const plan = planCollection(started.request, started.items, started.compiled);
  const tallies = new Map<string, TargetTally>();
  for (const t of started.request.targets) {
    const key = targetKey(t);
    tallies.set(key, { target: key, position: t.position, account: await source.findAccount(t), records: 0 });
  }
  const byCategory = new Map<Category, PlannedItem[]>();
  for (const item of plan.items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
  const categories = CATEGORIES.filter((c) => byCategory.has(c));
  const counts: Record<string, number> = {};
  let done = 0;
  onProgress?.({ phase: "collect", done, total: plan.items.length });
  for (const category of categories) {
    const columns = source.columns(category) ?? [];
    const json = builder.spool(`data/${category}.json`);
    const csv = builder.spool(`data/${category}.csv`);
    await json.write(
      `{"category":${JSON.stringify(category)},"request":${JSON.stringify(started.request.reference)},` +
        `"columns":${JSON.stringify(["target", "account_id", "at", ...columns])},"records":[`,
    );
    await csv.write(`${["target", "account_id", "at", ...columns].map(csvField).join(",")}\r\n`);
    let count = 0;
    for (const item of byCategory.get(category) ?? []) {
      const tally = tallies.get(item.targetKey) as TargetTally;
      if (tally.account) {
        for await (const record of source.read(tally.account, category, item.period)) {
          if (!admits(item, record)) continue;
          const line = serializeRecord(item.targetKey, tally.account.id, columns, record);
          await json.write(`${count === 0 ? "\n" : ",\n"}${line.json}`);
          await csv.write(line.csv);
          count += 1;
          tally.records += 1;
        }
      }
      done += 1;
      onProgress?.({ phase: "collect", done, total: plan.items.length, detail: `${category} for ${item.targetKey}` });
    }
    await json.write(`${count === 0 ? "" : "\n"}]}\n`);
    builder.add(json, await json.close());
    builder.add(csv, await csv.close());
    counts[category] = count;
  }
  return { tallies: [...tallies.values()], refused: plan.refused, categories, counts };
}

/** One record as it appears in its category's files: a JSON object, and a CSV row with its line break. */
export function serializeRecord(
  target: string,
  accountId: string,
  columns: readonly string[],
  record: SourceRecord,
): { json: string; csv: string } {
  const at = record.at ? record.at.toISOString() : null;
  const values = columns.map((c) => record.fields[c] ?? null);
  const object: Record<string, unknown> = { target, account_id: accountId, at };
  columns.forEach((c, i) => {
    object[c] = values[i];
  });
  return {
    json: JSON.stringify(object),
    csv: `${[target, accountId, at, ...values].map(csvField).join(",")}\r\n`,
  };
}

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
  const started = await db.transaction().execute((tx) => start(tx, options, keyring, clock()));
  const builder = await PackageBuilder.create();
  let plaintext: Readable | undefined;
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
    const source = (options.source ?? defaultSource)(db);
    const collected = await collect(started, source, builder, onProgress);
    const producedAt = clock();
    const targets = collected.tallies.map((t) => ({
      target: t.target,
      account: t.account?.id ?? null,
      result: (t.records > 0 ? "data_produced" : "no_data") as "data_produced" | "no_data",
      records: t.records,
    }));
    const summary = {
      productionId: started.productionId,
      request: { id: started.request.id, reference: started.request.reference },
      decision: { id: started.decisionId, outcome: started.decisionOutcome, policy: started.policyLabel },
      policyInForce: `${started.compiled.name} ${started.compiled.version}`,
      producedAt: producedAt.toISOString(),
      producedBy: options.actor,
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
      producedBy: options.actor,
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

    const meta = {
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
      ] as const,
    };
    const payloadBytes = builder.tarSize(meta);
    const encryptor = createEncryptStream(
      started.packageKey,
      makeHeader(started.productionId, options.chunkSize ?? DEFAULT_CHUNK_SIZE),
    );
    plaintext = Readable.from(builder.tar(meta), { objectMode: false, highWaterMark: 1 });
    plaintext.on("error", (error) => encryptor.destroy(error));
    plaintext.pipe(encryptor);
    onProgress({ phase: "package", done: 0, total: payloadBytes });
    const stored = await storeChunks(db, started.productionId, encryptor, () => {
      onProgress({ phase: "package", done: encryptor.stats.plaintextBytes, total: payloadBytes });
    });
    if (encryptor.stats.plaintextBytes !== payloadBytes) {
      throw new Error(`archive is ${encryptor.stats.plaintextBytes} bytes, expected ${payloadBytes}`);
    }
    options.onProgress?.({ phase: "seal", done: 0, total: 1 });
    clearInterval(heartbeat);
    await beating;
    const result = await db.transaction().execute((tx) =>
      seal(tx, started, options, {
        now: clock(),
        archiveBytes: stored.bytes,
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
    throw error;
  } finally {
    clearInterval(heartbeat);
    plaintext?.destroy();
    await builder.dispose();
  }
}

interface SealFacts {
  now: Date;
  archiveBytes: number;
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
      archive_bytes: facts.archiveBytes,
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
        archiveBytes: facts.archiveBytes,
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
    archiveBytes: facts.archiveBytes,
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
        if (p.phase === "package" && percent < lastPercent + 10 && percent !== 100) return;
        lastPercent = p.phase === "package" ? percent : -1;
        process.stderr.write(`job ${job.id} request.fulfil ${requestId}: ${p.phase} ${percent}%\n`);
      },
    });
  };
}
