import { pipeline, Readable } from "node:stream";
import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import type { JobPayload } from "../jobs/jobs.catalogue.js";
import type { TransactionJob } from "../jobs/jobs.js";
import { conflict, DomainError, notFound } from "../shared/errors.js";
import { isUuid } from "../shared/ids.js";
import type { Keyring } from "../shared/master-key.js";
import {
  ArchiveDamagedError,
  ArchiveMissingError,
  type ArchiveStore,
  checkedArchive,
  readStoredArchive,
} from "./archive.storage.js";
import { unwrapPackageKey, wrapPackageKey } from "./keyring.js";
import { readChunks } from "./production.store.js";
import { type ExpectedDigest, openArchive } from "./sealing.js";
import { IntegrityError } from "./stream-cipher.js";

/**
 * Delivery: the requesting agency's officer downloads the production once, from a signed-in session
 * that passed its second factor, before the link expires. What is delivered is the bag's tar, decrypted
 * by Custodian chunk by chunk as it streams (each chunk verified before a byte of it is sent) over the
 * TLS connection of that session: agencies verify it with standard BagIt tools and need nothing of ours.
 * The alternative, ciphertext plus its key, would send the key over the same channel and protect nothing
 * more. Every download and every refused attempt is audited; a refusal's audit entry commits even though
 * the download does not happen.
 */

export interface DownloadActor {
  userId: string;
  /** How the audit trail names them (authz.ts: a person by e-mail address). */
  email: string;
  role: string;
  agencyId: string | null;
  via: "session" | "token";
  mfa: boolean;
}

export interface ProductionDownload {
  productionId: string;
  filename: string;
  contentType: "application/x-tar";
  /** Length of the decrypted tar, for Content-Length. */
  bytes: number;
  stream: Readable;
}

export type RefusalReason =
  | "not_found"
  | "not_an_agency_officer"
  | "other_agency"
  | "not_a_session"
  | "no_second_factor"
  | "not_ready"
  | "already_downloaded"
  | "expired"
  | "purged"
  | "key_unavailable"
  | "held_for_review"
  | "archive_missing"
  | "archive_damaged";

export class DownloadRefused extends DomainError {
  constructor(
    code: DomainError["code"],
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(code, message);
  }
}

function refusal(reason: RefusalReason, productionId: string): DownloadRefused {
  switch (reason) {
    // An officer of another agency learns nothing, not even that the production exists.
    case "not_found":
    case "other_agency":
      return new DownloadRefused("not_found", reason, notFound(`production ${productionId}`).message);
    case "not_an_agency_officer":
      return new DownloadRefused(
        "forbidden",
        reason,
        "only an officer of the requesting agency may download a production",
      );
    case "not_a_session":
      return new DownloadRefused(
        "forbidden",
        reason,
        "a production is downloaded from a signed-in session, not with an API token",
      );
    case "no_second_factor":
      return new DownloadRefused(
        "forbidden",
        reason,
        "downloading a production needs a session that passed its second factor",
      );
    case "already_downloaded":
      return new DownloadRefused(
        "conflict",
        reason,
        `production ${productionId} was already downloaded; it can be downloaded once`,
      );
    case "expired":
      return new DownloadRefused("conflict", reason, `the download of production ${productionId} has expired`);
    case "purged":
      return new DownloadRefused("conflict", reason, `production ${productionId} was purged after its retention`);
    case "not_ready":
      return new DownloadRefused("conflict", reason, `production ${productionId} is not ready`);
    case "held_for_review":
      return new DownloadRefused(
        "conflict",
        reason,
        `production ${productionId} waits for the provider's staff to review its request; it cannot be downloaded until then`,
      );
    case "archive_missing":
      return new DownloadRefused(
        "conflict",
        reason,
        `production ${productionId} cannot be delivered: its archive is missing from the archive store; the provider's staff have been told`,
      );
    case "archive_damaged":
      return new DownloadRefused(
        "conflict",
        reason,
        `production ${productionId} cannot be delivered: its stored archive was altered; the provider's staff have been told`,
      );
    case "key_unavailable":
      return new DownloadRefused(
        "conflict",
        reason,
        `production ${productionId} cannot be opened with the configured master keys`,
      );
  }
}

export async function openProductionDownload(
  db: Db,
  input: {
    productionId: string;
    actor: DownloadActor;
    keyring: Keyring | undefined;
    archives: ArchiveStore;
    now?: Date;
  },
): Promise<ProductionDownload> {
  const now = input.now ?? new Date();
  const { productionId, actor } = input;
  const outcome = await db.transaction().execute(async (tx) => {
    const refuse = async (reason: RefusalReason, extra: Record<string, unknown> = {}) => {
      await appendAudit(
        tx,
        {
          actor: actor.email,
          action: "production.download_refused",
          objectType: "production",
          objectId: productionId,
          payload: { reason, role: actor.role, agencyId: actor.agencyId, via: actor.via, mfa: actor.mfa, ...extra },
        },
        now,
      );
      return { refused: refusal(reason, productionId) } as const;
    };
    if (!isUuid(productionId)) return refuse("not_found");
    // The row lock makes two simultaneous downloads take turns: the second finds it downloaded.
    const production = await tx
      .selectFrom("production")
      .select([
        "id",
        "request_id",
        "agency_id",
        "status",
        "expires_at",
        "wrapped_key",
        "master_key_id",
        "bag_name",
        "payload_bytes",
        "archive_key",
        "archive_sha256",
        "archive_bytes",
      ])
      .where("id", "=", productionId)
      .forUpdate()
      .executeTakeFirst();
    if (!production) return refuse("not_found");
    if (actor.role !== "agency") return refuse("not_an_agency_officer");
    if (!actor.agencyId || actor.agencyId !== production.agency_id) return refuse("other_agency");
    if (actor.via !== "session") return refuse("not_a_session");
    if (!actor.mfa) return refuse("no_second_factor");
    if (production.status === "purged") return refuse("purged");
    if (production.status === "downloaded") return refuse("already_downloaded");
    if (production.status !== "ready") return refuse("not_ready");
    if (!production.expires_at || production.expires_at.getTime() <= now.getTime()) {
      return refuse("expired", { expiresAt: production.expires_at?.toISOString() ?? null });
    }
    // Its submitter was suspended (holds.service.ts): nothing is handed over until staff release the request.
    const held = await tx
      .selectFrom("request_hold")
      .select("id")
      .where("request_id", "=", production.request_id)
      .where("released_at", "is", null)
      .executeTakeFirst();
    if (held) return refuse("held_for_review");
    let key: Buffer;
    try {
      if (!input.keyring || !production.wrapped_key) throw new Error("no master key configured");
      key = unwrapPackageKey(input.keyring, production.master_key_id, production.id, production.wrapped_key);
    } catch (error) {
      return refuse("key_unavailable", { masterKeyId: production.master_key_id, detail: (error as Error).message });
    }
    // Checked before the one download is spent: an archive gone from the store, or of another length, is
    // refused (and staff told through the audit trail) with the production still ready.
    let archive: ProductionBytes;
    try {
      archive = await storedArchiveBytes(tx, input.archives, production);
    } catch (error) {
      if (!(error instanceof ArchiveMissingError || error instanceof ArchiveDamagedError)) throw error;
      const missing = error instanceof ArchiveMissingError;
      await recordDamage(tx, input.archives, production, missing ? "missing" : "altered", error.message, now);
      return refuse(missing ? "archive_missing" : "archive_damaged");
    }
    await tx
      .updateTable("production")
      .set({ status: "downloaded", downloaded_at: now, downloaded_by: actor.userId })
      .where("id", "=", production.id)
      .where("status", "=", "ready")
      .execute();
    await appendAudit(
      tx,
      {
        actor: actor.email,
        action: "production.downloaded",
        objectType: "production",
        objectId: production.id,
        payload: { agencyId: actor.agencyId, bytes: production.payload_bytes },
      },
      now,
    );
    return {
      key,
      archive,
      bagName: production.bag_name,
      bytes: Number(production.payload_bytes ?? 0),
      production,
    } as const;
  });
  if ("refused" in outcome) throw outcome.refused;
  const stream = decryptedProduction(outcome.archive, productionId, outcome.key);
  // Altered in the store after the check above: the cipher refuses the first chunk that does not
  // authenticate, the digest anything else, and the stream ends in error; staff learn of it here.
  stream.on("error", (error) => {
    if (!(error instanceof IntegrityError || error instanceof ArchiveDamagedError)) return;
    db.transaction()
      .execute((tx) => recordDamage(tx, input.archives, outcome.production, "altered", error.message, new Date()))
      .catch(() => {}); // The download has failed either way; a lost audit line cannot be reported to anyone.
  });
  return {
    productionId,
    filename: `${outcome.bagName}.tar`,
    contentType: "application/x-tar",
    bytes: outcome.bytes,
    stream,
  };
}

interface ArchiveRow {
  id: string;
  request_id: string;
  archive_key: string | null;
  archive_sha256: string | null;
  archive_bytes: number | string | bigint | null;
}

/**
 * The stored bytes of a production, checked against the digest the database recorded (`package export`);
 * see storedArchiveBytes.
 */
export async function storedArchive(db: Db | Tx, archives: ArchiveStore, row: ArchiveRow): Promise<Readable> {
  const stored = await storedArchiveBytes(db, archives, row);
  return stored.digest ? checkedArchive({ bytes: stored.bytes, digest: stored.digest }) : stored.bytes;
}

/** A production's stored bytes, and the digest they must have when one was recorded. */
interface ProductionBytes {
  bytes: Readable;
  digest?: ExpectedDigest;
}

/**
 * The stored bytes of a production and the digest they must have: from the archive store, its length
 * checked before a byte is read; a production sealed before migration 0025 (no archive key) from its
 * `production_chunk` rows, with no digest recorded.
 */
async function storedArchiveBytes(db: Db | Tx, archives: ArchiveStore, row: ArchiveRow): Promise<ProductionBytes> {
  if (!row.archive_key) return { bytes: Readable.from(readChunks(db, row.id), { highWaterMark: 1 }) };
  return readStoredArchive(
    archives,
    row.archive_key,
    { sha256: row.archive_sha256 ?? "", bytes: Number(row.archive_bytes) },
    `production ${row.id}`,
  );
}

/** The audit entry that tells staff a production's archive is missing or was altered in its store. */
export async function recordDamage(
  tx: Tx,
  archives: ArchiveStore,
  row: ArchiveRow,
  problem: "missing" | "altered",
  detail: string,
  now: Date,
): Promise<void> {
  await appendAudit(
    tx,
    {
      actor: actorOf(JOB_RUNNER),
      action: "production.archive_damaged",
      objectType: "production",
      objectId: row.id,
      payload: { archiveKey: row.archive_key ?? "", store: archives.location, problem, detail: detail.slice(0, 500) },
    },
    now,
  );
}

/**
 * The stored archive decrypted on the sealing worker, each chunk verified before it is released, the
 * archive's digest (when one was recorded) compared before the last.
 */
function decryptedProduction(stored: ProductionBytes, productionId: string, key: Buffer): Readable {
  const opened = openArchive(key, productionId, stored.digest);
  // The stored archive's failure fails the download; a download that stops stops the stored archive.
  pipeline(stored.bytes, opened, () => {});
  return opened;
}

/** The key of a production, for staff verification (`custodian package open`); audited by the caller. */
export async function productionKey(db: Db | Tx, keyring: Keyring, productionId: string): Promise<Buffer> {
  const row = await db
    .selectFrom("production")
    .select(["id", "wrapped_key", "master_key_id", "status"])
    .where("id", "=", productionId)
    .executeTakeFirst();
  if (!row) throw notFound(`production ${productionId}`);
  if (!row.wrapped_key) throw conflict(`production ${productionId} is ${row.status}: its key was erased`);
  return unwrapPackageKey(keyring, row.master_key_id, row.id, row.wrapped_key);
}

/**
 * Job `production.purge`: after the retention, the archive is deleted and its key erased. The store's
 * delete comes last, inside the job's transaction: should the commit fail after it, the job runs again,
 * finds the production still ready, and deleting what is already gone is no error.
 */
export function purgeProduction(archives: ArchiveStore): TransactionJob<JobPayload<"production.purge">> {
  return async (tx, { productionId }, job) => {
    const production = await tx
      .selectFrom("production")
      .select(["id", "status", "purge_after", "request_id", "archive_key"])
      .where("id", "=", productionId)
      .forUpdate()
      .executeTakeFirst();
    if (!production || (production.status !== "ready" && production.status !== "downloaded")) return;
    if (!production.purge_after || production.purge_after.getTime() > job.now.getTime()) return;
    await purgeLocked(tx, production, actorOf(JOB_RUNNER), job.now);
    if (production.archive_key) await archives.delete(production.archive_key);
  };
}

async function purgeLocked(
  tx: Tx,
  production: { id: string; request_id: string; status: string; archive_key: string | null },
  actor: string,
  now: Date,
) {
  const { id: productionId, request_id: requestId, status: was } = production;
  // Productions sealed before migration 0025 have their archive here.
  const deleted = await tx.deleteFrom("production_chunk").where("production_id", "=", productionId).executeTakeFirst();
  await tx
    .updateTable("production")
    .set({ status: "purged", purged_at: now, wrapped_key: null })
    .where("id", "=", productionId)
    .execute();
  await appendAudit(
    tx,
    {
      actor,
      action: "production.purged",
      objectType: "production",
      objectId: productionId,
      payload: {
        requestId,
        was,
        chunksDeleted: Number(deleted.numDeletedRows),
        archiveDeleted: production.archive_key,
      },
    },
    now,
  );
}

/**
 * Rotation: re-wrap every live production's key under the current master key. Archives are not touched;
 * each production is its own short transaction, so a rotation interrupted half-way is simply run again.
 */
export async function rewrapProductionKeys(
  db: Db,
  input: { keyring: Keyring; actor: string; now?: Date },
): Promise<{ rewrapped: number; alreadyCurrent: number }> {
  const now = input.now ?? new Date();
  const { keyring } = input;
  const stale = await db
    .selectFrom("production")
    .select(["id"])
    .where("wrapped_key", "is not", null)
    .where("master_key_id", "<>", keyring.current.id)
    .orderBy("started_at")
    .execute();
  let rewrapped = 0;
  for (const { id } of stale) {
    await db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("production")
        .select(["id", "wrapped_key", "master_key_id"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row?.wrapped_key || row.master_key_id === keyring.current.id) return;
      const key = unwrapPackageKey(keyring, row.master_key_id, row.id, row.wrapped_key);
      await tx
        .updateTable("production")
        .set({ wrapped_key: wrapPackageKey(keyring.current, row.id, key), master_key_id: keyring.current.id })
        .where("id", "=", row.id)
        .execute();
      await appendAudit(
        tx,
        {
          actor: input.actor,
          action: "production.key_rewrapped",
          objectType: "production",
          objectId: row.id,
          payload: { from: row.master_key_id, to: keyring.current.id },
        },
        now,
      );
      rewrapped += 1;
    });
  }
  const current = await db
    .selectFrom("production")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("wrapped_key", "is not", null)
    .where("master_key_id", "=", keyring.current.id)
    .executeTakeFirstOrThrow();
  return { rewrapped, alreadyCurrent: Number(current.n) - rewrapped };
}
