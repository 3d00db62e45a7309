import { randomBytes } from "node:crypto";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { activateOfficer, confirmEmail, enrolTotp, registerOfficer } from "../../src/auth/accounts.service.js";
import { currentTotpCode } from "../../src/auth/credentials.js";
import { CSRF_HEADER, SESSION_COOKIE } from "../../src/http/session.js";
import { type Account, confirmationToken, type Desk, PASSWORD, principalOf, type Session } from "./http.js";

/**
 * Helpers for the attack suites: sign-ins from distinct addresses (the sign-in route is rate limited per
 * address, and an attack suite signs in more often than a person would), officers made for one test,
 * multipart bodies built byte by byte, and the audit trail read back.
 */

let address = 0;
/** A fresh client address per call, so rate limits keyed by address never get in a test's way. */
export function nextAddress(): string {
  address += 1;
  return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
}

export async function signInAs(desk: Desk, account: Account): Promise<Session> {
  desk.clock.advance(31_000);
  const response = await desk.app.inject({
    method: "POST",
    url: "/api/v1/session",
    remoteAddress: nextAddress(),
    payload: { email: account.email, password: PASSWORD, code: currentTotpCode(account.totpSecret, desk.clock.now()) },
  });
  if (response.statusCode !== 200) throw new Error(`sign-in of ${account.email} failed: ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  const { csrfToken } = response.json() as { csrfToken: string };
  return { account, headers: { cookie: `${SESSION_COOKIE}=${cookie?.value}`, [CSRF_HEADER]: csrfToken } };
}

/** An active officer of `agencyId`, through the same four steps as every officer (services, not HTTP). */
export async function makeOfficer(desk: Desk, email: string, agencyId: string): Promise<Account> {
  const now = desk.clock.now();
  const { userId } = await registerOfficer(
    desk.db,
    { email, displayName: email, password: PASSWORD },
    desk.config.publicUrl,
    now,
  );
  const token = await confirmationToken(desk.db, email);
  const { totpSecret } = await confirmEmail(desk.db, token, now);
  await enrolTotp(desk.db, token, currentTotpCode(totpSecret, now), now);
  await activateOfficer(desk.db, principalOf(desk.accounts.intake), userId, { confirmed: true, note: "called" }, now);
  return { userId, email, role: "agency", agencyId, totpSecret };
}

export type Part =
  | { name: string; value: string }
  | { name: string; filename: string; contentType: string; content: Buffer };

/** A multipart/form-data body, as a browser or an agency's client would send it. */
export function multipart(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----custodian-${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ("value" in part) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            `Content-Type: ${part.contentType}\r\n\r\n`,
        ),
        part.content,
        Buffer.from("\r\n"),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  payload: Record<string, unknown>;
}

/** Audit events written after `sinceId` (exclusive), optionally of one action. */
export async function auditSince(desk: Desk, sinceId: number, action?: string): Promise<AuditRow[]> {
  let query = desk.db
    .selectFrom("audit_event")
    .select(["id", "actor", "action", "object_type", "object_id", "payload"])
    .where("id", ">", sinceId);
  if (action) query = query.where("action", "=", action);
  const rows = await query.orderBy("id").execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), payload: r.payload as Record<string, unknown> }));
}

export async function lastAuditId(desk: Desk): Promise<number> {
  const row = await desk.db
    .selectFrom("audit_event")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Row counts of every table in the public schema (Kysely's own migration tables left out). */
export async function tableCounts(desk: Desk): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely%'
     order by table_name`.execute(desk.db);
  const counts: Record<string, number> = {};
  for (const { table_name: name } of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(desk.db);
    counts[name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

export function isProblem(response: LightMyRequestResponse): boolean {
  return String(response.headers["content-type"] ?? "").startsWith("application/problem+json");
}

export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;
