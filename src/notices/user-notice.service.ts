import { sql } from "kysely";
import type { AuditPayloads } from "../audit/audit.events.js";
import { appendAudit } from "../audit/audit.js";
import { actorOf, JOB_RUNNER } from "../authz/authz.js";
import type { Tx } from "../db/database.js";
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import type { Regime, TargetType } from "../domain/vocabulary.js";
import { defaultSource } from "../fulfilment/sources/index.js";
import type { DataSourceFactory } from "../fulfilment/sources/source.js";
import { enqueueJob, type JobPayload } from "../jobs/jobs.catalogue.js";
import type { TransactionJob } from "../jobs/jobs.js";
import { enqueueMail } from "../mail/outbox.js";
import { loadPolicyInForce } from "../policy/policy.store.js";
import { userNoticeRule } from "../policy/user-notice.js";
import { DAY_MS } from "../shared/time.js";

/**
 * Telling the people whose data was asked for. When a request is fulfilled or rejected, each affected
 * account's owner is notified through the outbox, unless a non-disclosure order is in force (the notice
 * waits, as a job, until the order expires), the request is national-security process that records no end
 * to its gag (the notice is barred until one is recorded: no job waits), or the request was an emergency
 * (the notice waits until the emergency is over: a configured delay). The job checks the order again when
 * it runs, so an order extended in the meantime defers the notice again instead of breaching it.
 *
 * Who tells at all is the policy's rule for the request's regime (docs/policy.md#user-notice), read when
 * the notice falls due: where it leaves the notice to the issuing authority (an EU order, by default)
 * nothing is sent and the trail says so; where the provider tells, an EU authority's Art. 13(3) delay bars
 * the notice like a non-disclosure order, and the rule's `afterDays` make it wait like an emergency.
 *
 * Every step also writes the request's `user_notice` row (migration 0028) in the same transaction: given,
 * delayed (given after a gag), barred, pending (an emergency's wait) or not possible; the report's notice
 * figures (docs/reports.md#user-notices) are summed from those rows by the rollup they keep.
 */

export type NoticeKind = "delivered" | "rejected";

export interface NoticeSettings {
  /** Days after an emergency disclosure before its subjects are told. */
  emergencyDelayDays: number;
}

interface NoticeRequest {
  id: string;
  process: string;
  regime: string;
  legal_basis: unknown;
  non_disclosure_until: string | null;
  jurisdiction: string;
  categories: string[];
  received_at: Date;
}

async function loadRequest(tx: Tx, requestId: string): Promise<NoticeRequest | undefined> {
  return tx
    .selectFrom("request")
    .select([
      "id",
      "process",
      "regime",
      "legal_basis",
      "non_disclosure_until",
      "jurisdiction",
      "categories",
      "received_at",
    ])
    .where("id", "=", requestId)
    .executeTakeFirst();
}

/** Why a notice waits: a gag or an authority's delay (dated, or without an end), an emergency's or the policy's days. */
export type NoticeWait = AuditPayloads["notice.scheduled"]["because"];

/** The waits that only defer a notice; the others bar it while they last. */
const MERELY_DEFERS: readonly NoticeWait[] = ["emergency", "policy_delay"];

function authorityDelayOf(request: { legal_basis?: unknown }) {
  return (request.legal_basis as LegalBasis | null)?.userInformationDelay;
}

/**
 * When a notice about this request may go out, and what it waits for: `dueAt` now (`because` null), a
 * later moment, or null when a national-security request records no end to its gag (such letters come
 * with an open-ended gag unless a court lifts it, as the canary also takes them: canary.service.ts).
 */
export function noticeDueAt(
  request: Pick<NoticeRequest, "process" | "non_disclosure_until"> & { legal_basis?: unknown },
  now: Date,
  settings: NoticeSettings,
  afterDays = 0,
): { dueAt: Date | null; because: NoticeWait | null; barredUntil: string | null } {
  if (request.process === "national_security" && !request.non_disclosure_until)
    return { dueAt: null, because: "national_security", barredUntil: null };
  const delay = authorityDelayOf(request);
  if (delay && !delay.until) return { dueAt: null, because: "authority_delay", barredUntil: null };
  let due = now.getTime();
  let because: NoticeWait | null = null;
  let barredUntil: string | null = null;
  // An order or a delay binds through the whole day it names; the notice goes the day after.
  for (const [until, wait] of [
    [request.non_disclosure_until, "non_disclosure_order"],
    [delay?.until, "authority_delay"],
  ] as const) {
    if (!until) continue;
    const lifts = Date.parse(`${until}T00:00:00Z`) + DAY_MS;
    if (lifts > due) [due, because, barredUntil] = [lifts, wait, until];
  }
  // A gag in force still names the wait, even when a mere delay runs longer: it bars the notice.
  if (request.process === "emergency" && settings.emergencyDelayDays > 0) {
    due = Math.max(due, now.getTime() + settings.emergencyDelayDays * DAY_MS);
    because ??= "emergency";
  }
  if (afterDays > 0) {
    due = Math.max(due, now.getTime() + afterDays * DAY_MS);
    because ??= "policy_delay";
  }
  return { dueAt: new Date(due), because, barredUntil };
}

export type NoticeStatus = "given" | "delayed" | "barred" | "pending" | "not_possible" | "by_authority";

/**
 * The request's notice record, as this step leaves it. A notice given after its record said barred was
 * delayed by the gag, and stays counted so; a record already given or delayed is not taken back.
 */
async function recordNotice(
  tx: Tx,
  request: NoticeRequest,
  input: { kind: NoticeKind; status: NoticeStatus; barredUntil?: string | null; accountsNotified?: number; now: Date },
): Promise<void> {
  const barredUntil = input.status === "barred" ? (input.barredUntil ?? null) : null;
  await sql`
    insert into user_notice as n (request_id, kind, status, barred_until, accounts_notified, period, country, process,
                                  recorded_at, updated_at)
    select r.id, ${input.kind}, ${input.status}, ${barredUntil}::date, ${input.accountsNotified ?? 0},
           report_quarter(r.received_at), split_part(r.jurisdiction, '-', 1), r.process, ${input.now}, ${input.now}
      from request r where r.id = ${request.id}
    on conflict (request_id) do update set
      kind = excluded.kind,
      status = case when n.status = 'barred' and excluded.status = 'given' then 'delayed'
                    else excluded.status end,
      barred_until = excluded.barred_until,
      accounts_notified = excluded.accounts_notified,
      updated_at = excluded.updated_at
    where n.status not in ('given', 'delayed')`.execute(tx);
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
    /** From the deferred job: the emergency's and the policy's days already ran when it was scheduled. */
    delaysServed?: boolean;
  },
): Promise<{ sent: number; deferredUntil: Date | null; barred: boolean }> {
  const request = await loadRequest(tx, input.requestId);
  if (!request) return { sent: 0, deferredUntil: null, barred: false };
  const policy = (await loadPolicyInForce(tx)).compiled;
  const rule = userNoticeRule(policy.document, request.regime as Regime);
  if (rule.by === "issuing_authority") {
    await appendAudit(
      tx,
      {
        actor: input.actor,
        action: "notice.left_to_authority",
        objectType: "request",
        objectId: input.requestId,
        payload: {
          kind: input.kind,
          regime: request.regime,
          rule: rule.rule,
          reason: rule.reason,
          policy: { name: policy.name, version: policy.version },
        },
      },
      input.now,
    );
    await recordNotice(tx, request, { kind: input.kind, status: "by_authority", now: input.now });
    return { sent: 0, deferredUntil: null, barred: false };
  }
  const settings = input.delaysServed ? { emergencyDelayDays: 0 } : input.settings;
  const { dueAt, because, barredUntil } = noticeDueAt(
    request,
    input.now,
    settings,
    input.delaysServed ? 0 : rule.afterDays,
  );
  if (because !== null) {
    // Without an end to the gag no job waits: nothing could tell when to run it.
    if (dueAt)
      await enqueueJob(
        tx,
        "notice.send",
        { requestId: input.requestId, kind: input.kind },
        { runAt: dueAt, dedupeKey: `notice:${input.requestId}:${input.kind}:${dueAt.toISOString()}` },
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
          dueAt: dueAt?.toISOString() ?? null,
          because,
          nonDisclosureUntil: request.non_disclosure_until,
          ...(because === "authority_delay" ? { authorityDelayUntil: barredUntil } : {}),
        },
      },
      input.now,
    );
    const barred = !MERELY_DEFERS.includes(because);
    await recordNotice(tx, request, {
      kind: input.kind,
      status: barred ? "barred" : "pending",
      barredUntil,
      now: input.now,
    });
    return { sent: 0, deferredUntil: dueAt, barred };
  }
  return {
    sent: await sendUserNotices(tx, request, input.kind, input.actor, input.now, input.source),
    deferredUntil: null,
    barred: false,
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
  if (sent === 0) {
    await appendAudit(
      tx,
      {
        actor,
        action: "notice.not_possible",
        objectType: "request",
        objectId: request.id,
        payload: { kind, accounts: targets.length, found: seen.size },
      },
      now,
    );
  }
  await recordNotice(tx, request, { kind, status: sent > 0 ? "given" : "not_possible", accountsNotified: sent, now });
  return sent;
}

/**
 * Job `notice.send`: a deferred notice falls due. Everything is decided again as it stands now: the rule
 * (counsel may have changed who tells), the gag (an order extended, or a national-security request's end
 * taken back, defers it again); only the delays that already ran are not served twice.
 */
export const sendDeferredNotice: TransactionJob<JobPayload<"notice.send">> = async (tx, { requestId, kind }, job) => {
  await scheduleUserNotices(tx, {
    requestId,
    kind,
    actor: actorOf(JOB_RUNNER),
    now: job.now,
    settings: { emergencyDelayDays: 0 },
    delaysServed: true,
  });
};
