import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { Tx } from "../db/database.js";
import type { TargetType } from "../domain/vocabulary.js";
import { defaultSource } from "../fulfilment/sources/index.js";
import type { DataSourceFactory } from "../fulfilment/sources/source.js";
import { enqueueJob, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { TransactionJob } from "../jobs/jobs.js";
import { enqueueMail } from "../mail/outbox.js";
import { DAY_MS } from "../shared/time.js";

/**
 * Telling the people whose data was asked for. When a request is fulfilled or rejected, each affected
 * account's owner is notified through the outbox, unless a non-disclosure order is in force (the notice
 * waits, as a job, until the order expires) or the request was an emergency (the notice waits until the
 * emergency is over: a configured delay). The job checks the order again when it runs, so an order
 * extended in the meantime defers the notice again instead of breaching it.
 */

export type NoticeKind = "delivered" | "rejected";

export interface NoticeSettings {
  /** Days after an emergency disclosure before its subjects are told. */
  emergencyDelayDays: number;
}

interface NoticeRequest {
  id: string;
  process: string;
  non_disclosure_until: string | null;
  jurisdiction: string;
  categories: string[];
  received_at: Date;
}

async function loadRequest(tx: Tx, requestId: string): Promise<NoticeRequest | undefined> {
  return tx
    .selectFrom("request")
    .select(["id", "process", "non_disclosure_until", "jurisdiction", "categories", "received_at"])
    .where("id", "=", requestId)
    .executeTakeFirst();
}

/** The moment a notice about this request may go out: now, the order's expiry, or after the emergency. */
export function noticeDueAt(request: NoticeRequest, now: Date, settings: NoticeSettings): Date {
  let due = now.getTime();
  // The order binds through the whole day it names; the notice goes the day after.
  if (request.non_disclosure_until)
    due = Math.max(due, Date.parse(`${request.non_disclosure_until}T00:00:00Z`) + DAY_MS);
  if (request.process === "emergency") due = Math.max(due, now.getTime() + settings.emergencyDelayDays * DAY_MS);
  return new Date(due);
}

/** In the transaction that fulfils or rejects the request: send the notices now, or schedule them. */
export async function scheduleUserNotices(
  tx: Tx,
  input: {
    requestId: string;
    kind: NoticeKind;
    actor: string;
    now: Date;
    settings: NoticeSettings;
    source?: DataSourceFactory;
  },
): Promise<{ sent: number; deferredUntil: Date | null }> {
  const request = await loadRequest(tx, input.requestId);
  if (!request) return { sent: 0, deferredUntil: null };
  const due = noticeDueAt(request, input.now, input.settings);
  if (due.getTime() > input.now.getTime()) {
    await enqueueJob(
      tx,
      "notice.send",
      { requestId: input.requestId, kind: input.kind },
      { runAt: due, dedupeKey: `notice:${input.requestId}:${input.kind}:${due.toISOString()}` },
    );
    await appendAudit(
      tx,
      {
        actor: input.actor,
        action: "notice.scheduled",
        objectType: "request",
        objectId: input.requestId,
        payload: {
          kind: input.kind,
          dueAt: due.toISOString(),
          because: request.non_disclosure_until ? "non_disclosure_order" : "emergency",
          nonDisclosureUntil: request.non_disclosure_until,
        },
      },
      input.now,
    );
    return { sent: 0, deferredUntil: due };
  }
  return {
    sent: await sendUserNotices(tx, request, input.kind, input.actor, input.now, input.source),
    deferredUntil: null,
  };
}

async function sendUserNotices(
  tx: Tx,
  request: NoticeRequest,
  kind: NoticeKind,
  actor: string,
  now: Date,
  sourceFactory: DataSourceFactory = defaultSource,
): Promise<number> {
  const source = sourceFactory(tx);
  const targets = await tx
    .selectFrom("request_target")
    .select(["type", "value"])
    .where("request_id", "=", request.id)
    .orderBy("position")
    .execute();
  const disclosed =
    kind === "delivered"
      ? await tx
          .selectFrom("production")
          .select(["summary"])
          .where("request_id", "=", request.id)
          .where("status", "in", ["ready", "downloaded", "purged"])
          .orderBy("sealed_at", "desc")
          .executeTakeFirst()
      : undefined;
  const categories = ((disclosed?.summary as { categories?: string[] } | null)?.categories ?? []).join(", ");
  const seen = new Set<string>();
  let sent = 0;
  for (const target of targets) {
    const account = await source.findAccount({ type: target.type as TargetType, value: target.value });
    if (!account || seen.has(account.id)) continue;
    seen.add(account.id);
    const contact = await source.contactFor(account);
    const audit = (payload: { mailed: true; mailId: number } | { mailed: false; why: string }) =>
      appendAudit(
        tx,
        {
          actor,
          action: "notice.queued",
          objectType: "request",
          objectId: request.id,
          payload: { kind, account: account.id, ...payload },
        },
        now,
      );
    if (!contact) {
      await audit({ mailed: false, why: "no e-mail address on file" });
      continue;
    }
    const body =
      kind === "delivered"
        ? `Dear ${contact.name},\n\nA government agency in ${request.jurisdiction} made a legal request ` +
          `(${request.process.replace(/_/g, " ")}) for information about your account ${account.label}, received on ` +
          `${request.received_at.toISOString().slice(0, 10)}. After review, we provided ${categories || "records"} ` +
          "as the law required.\n\nWe tell you so that you can seek legal advice or challenge the request. " +
          "We never disclose the contents of end-to-end encrypted messages: we cannot read them.\n"
        : `Dear ${contact.name},\n\nA government agency in ${request.jurisdiction} made a legal request ` +
          `(${request.process.replace(/_/g, " ")}) for information about your account ${account.label}, received on ` +
          `${request.received_at.toISOString().slice(0, 10)}. We reviewed it and declined to provide any data.\n`;
    const mailId = await enqueueMail(tx, {
      to: contact.email,
      subject: "A government request for information about your account",
      body,
      purpose: `notice.user_${kind}`,
    });
    await audit({ mailed: true, mailId });
    sent += 1;
  }
  return sent;
}

/** Job `notice.send`: a deferred notice falls due. Re-checks the order: an extended one defers it again. */
export const sendDeferredNotice: TransactionJob<JobPayload<"notice.send">> = async (tx, { requestId, kind }, job) => {
  const request = await loadRequest(tx, requestId);
  if (!request) return;
  if (
    request.non_disclosure_until &&
    Date.parse(`${request.non_disclosure_until}T00:00:00Z`) + DAY_MS > job.now.getTime()
  ) {
    await scheduleUserNotices(tx, {
      requestId,
      kind,
      actor: actorOf(JOB_RUNNER),
      now: job.now,
      // The emergency delay already ran when this job was first scheduled.
      settings: { emergencyDelayDays: 0 },
    });
    return;
  }
  await sendUserNotices(tx, request, kind, actorOf(JOB_RUNNER), job.now);
};
