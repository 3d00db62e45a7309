import { authorizeCaller, type Caller } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";

/**
 * The outbox: mail is written by the transaction whose change it announces, and sent afterwards. A crash
 * between the change and the send loses nothing (the row waits), and a change rolled back sends nothing.
 * Without SMTP configured, mail stays in the outbox, where an admin (and the demo) can read it.
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  body: string;
  /** What the mail is for, `<area>.<what>` (e.g. `officer.confirm_email`); reports and tests filter on it. */
  purpose: string;
  /** Not sent before this time (a notice delayed by a non-disclosure order). */
  notBefore?: Date;
}

export async function enqueueMail(tx: Tx, mail: OutgoingMail): Promise<number> {
  const row = await tx
    .insertInto("mail_outbox")
    .values({
      recipient: mail.to,
      subject: mail.subject,
      body: mail.body,
      purpose: mail.purpose,
      ...(mail.notBefore ? { not_before: mail.notBefore } : {}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** What sends a mail: SMTP in production (`smtpTransport`), anything with the same shape in tests. */
export interface MailTransport {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Send the mail that is due, one row at a time under `FOR UPDATE SKIP LOCKED`, so several processes can
 * drain one outbox without sending a mail twice. A send that fails is retried up to MAX_ATTEMPTS times.
 * (A crash after the SMTP server accepted a mail and before the commit sends it again: at-least-once, as
 * every outbox is; the mail's id is in its Message-ID so a receiver can tell.)
 */
export async function deliverDueMail(
  db: Db,
  transport: MailTransport,
  options: { now?: () => Date; limit?: number } = {},
): Promise<DeliveryResult> {
  const now = options.now ?? (() => new Date());
  const limit = options.limit ?? 100;
  const result: DeliveryResult = { sent: 0, failed: 0 };
  while (result.sent + result.failed < limit) {
    const outcome = await db.transaction().execute(async (tx) => {
      const at = now();
      const mail = await tx
        .selectFrom("mail_outbox")
        .select(["id", "recipient", "subject", "body", "attempts"])
        .where("status", "=", "pending")
        .where("not_before", "<=", at)
        .orderBy("not_before")
        .orderBy("id")
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!mail) return "none" as const;
      try {
        await transport.send({ to: mail.recipient, subject: mail.subject, text: mail.body });
        await tx.updateTable("mail_outbox").set({ status: "sent", sent_at: at }).where("id", "=", mail.id).execute();
        return "sent" as const;
      } catch (error) {
        const attempts = mail.attempts + 1;
        await tx
          .updateTable("mail_outbox")
          .set({
            attempts,
            last_error: (error as Error).message.slice(0, 500),
            status: attempts >= MAX_ATTEMPTS ? "failed" : "pending",
            // Back off: a mail server that is down is not hammered by every worker.
            not_before: new Date(at.getTime() + 2 ** attempts * 30_000),
          })
          .where("id", "=", mail.id)
          .execute();
        return "failed" as const;
      }
    });
    if (outcome === "none") break;
    result[outcome] += 1;
  }
  return result;
}

export interface OutboxEntry {
  id: number;
  to: string;
  subject: string;
  body: string;
  purpose: string;
  status: string;
  notBefore: string;
  createdAt: string;
  sentAt: string | null;
}

/** The newest mail first; for the admin's outbox view and for the demo. */
export async function listOutbox(
  db: Db | Tx,
  by: Caller,
  options: { limit?: number; recipient?: string; purpose?: string } = {},
): Promise<OutboxEntry[]> {
  authorizeCaller(by, "outbox.read");
  let query = db.selectFrom("mail_outbox").selectAll();
  if (options.recipient) query = query.where("recipient", "=", options.recipient);
  if (options.purpose) query = query.where("purpose", "=", options.purpose);
  const rows = await query
    .orderBy("id", "desc")
    .limit(options.limit ?? 50)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    body: row.body,
    purpose: row.purpose,
    status: row.status,
    notBefore: row.not_before.toISOString(),
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at ? row.sent_at.toISOString() : null,
  }));
}
