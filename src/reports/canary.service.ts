import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { actorOf, CANARY } from "../authz/authz.js";
import type { CanarySettings } from "../config.js";
import type { Db, Tx } from "../db/database.js";
import { DAY_MS } from "../shared/time.js";
import {
  CANARY_FORMAT,
  CANARY_STATEMENTS,
  type CanaryDocument,
  type CanaryStatementCode,
  canaryDocumentSchema,
  type SignedCanary,
  signCanary,
} from "./canary.js";

/**
 * Which of the statements the requests held here no longer support on `day`. Every request counts,
 * whatever became of it: a demand rejected or withdrawn was still received, and a gag binds whether or
 * not anything was disclosed. National-security process is taken as gagged until a date the request
 * records, and indefinitely when it records none (such letters come with an open-ended gag unless a
 * court lifts it), so the canary errs toward silence.
 */
export async function unsupportedStatements(
  db: Db | Tx,
  statements: readonly CanaryStatementCode[],
  day: string,
): Promise<CanaryStatementCode[]> {
  const { rows } = await sql<{ national_security: boolean; gag_in_force: boolean }>`
    select
      exists (select 1 from request where process = 'national_security') as national_security,
      exists (select 1 from request
               where non_disclosure_until >= ${day}::date
                  or (process = 'national_security' and non_disclosure_until is null)) as gag_in_force`.execute(db);
  const facts = rows[0];
  const holds: Record<CanaryStatementCode, boolean> = {
    no_national_security_process: facts?.national_security === false,
    no_gag_in_force: facts?.gag_in_force === false,
  };
  return statements.filter((code) => !holds[code]);
}

export type Renewal =
  | { status: "issued"; day: string; canary: SignedCanary; fresh: boolean }
  | { status: "withheld"; day: string; unsupported: string[]; fresh: boolean };

const CANARY_ACTOR = actorOf(CANARY);

/**
 * The day's canary, decided once a day (by whichever process's background work gets there first): issued
 * when every statement holds, withheld (and audited, not published) when one does not. A withheld day is
 * not tried again; the canary already out lapses at its expiry.
 */
export async function renewCanary(db: Db, settings: CanarySettings, now: Date): Promise<Renewal> {
  const day = now.toISOString().slice(0, 10);
  return db.transaction().execute(async (tx) => {
    // Processes sharing a database decide the day once, in turn.
    await sql`select pg_advisory_xact_lock(hashtext('custodian.warrant_canary'))`.execute(tx);
    const existing = await tx.selectFrom("warrant_canary").selectAll().where("day", "=", day).executeTakeFirst();
    if (existing) return renewalOf(existing);

    const unsupported = await unsupportedStatements(tx, settings.statements, day);
    if (unsupported.length > 0) {
      await tx.insertInto("warrant_canary").values({ day, status: "withheld", decided_at: now, unsupported }).execute();
      await appendAudit(
        tx,
        {
          actor: CANARY_ACTOR,
          action: "canary.withheld",
          objectType: "canary",
          objectId: day,
          payload: { unsupported },
        },
        now,
      );
      return { status: "withheld", day, unsupported, fresh: true };
    }

    const issuer = settings.issuer ?? (await policyName(tx));
    const head = await tx
      .selectFrom("audit_chain")
      .select(["position", "hash"])
      .orderBy("position", "desc")
      .limit(1)
      .executeTakeFirst();
    const document: CanaryDocument = {
      format: CANARY_FORMAT,
      issuer,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + settings.validDays * DAY_MS).toISOString(),
      statements: settings.statements.map((code) => ({ code, text: CANARY_STATEMENTS[code](issuer) })),
      freshness: { auditPosition: head ? Number(head.position) : 0, auditHash: head?.hash ?? "" },
      keyId: settings.key.keyId,
    };
    const canary = signCanary(document, settings.key);
    await tx
      .insertInto("warrant_canary")
      .values({
        day,
        status: "issued",
        decided_at: now,
        document: JSON.stringify(document),
        signature: canary.signature,
        key_id: settings.key.keyId,
        expires_at: new Date(document.expiresAt),
      })
      .execute();
    await appendAudit(
      tx,
      {
        actor: CANARY_ACTOR,
        action: "canary.issued",
        objectType: "canary",
        objectId: day,
        payload: { expiresAt: document.expiresAt, statements: [...settings.statements], keyId: settings.key.keyId },
      },
      now,
    );
    return { status: "issued", day, canary, fresh: true };
  });
}

/** The name the provider goes by where nothing configured says: its policy in force's. */
export async function policyName(tx: Db | Tx): Promise<string> {
  const row = await tx.selectFrom("policy_version").select("name").where("active", "=", true).executeTakeFirst();
  return row?.name ?? "This service";
}

type CanaryRow = {
  day: string;
  status: "issued" | "withheld";
  document: unknown;
  signature: string | null;
  unsupported: string[] | null;
};

/** A day already decided, as it was decided. */
function renewalOf(row: CanaryRow): Renewal {
  if (row.status === "withheld") {
    return { status: "withheld", day: row.day, unsupported: row.unsupported ?? [], fresh: false };
  }
  return { status: "issued", day: row.day, canary: storedCanary(row), fresh: false };
}

function storedCanary(row: CanaryRow): SignedCanary {
  const document = typeof row.document === "string" ? JSON.parse(row.document) : row.document;
  return { document: canaryDocumentSchema.parse(document), signature: row.signature as string };
}

/** The newest issued canary, expired or not (a lapsed canary is still what was last said, and when). */
export async function latestCanary(db: Db | Tx): Promise<SignedCanary | undefined> {
  const row = await db
    .selectFrom("warrant_canary")
    .select(["day", "status", "document", "signature", "unsupported"])
    .where("status", "=", "issued")
    .orderBy("day", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? storedCanary(row) : undefined;
}
