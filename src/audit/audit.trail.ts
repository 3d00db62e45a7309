import { z } from "zod";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import { ValidationError } from "../shared/validation.js";

/**
 * The whole audit trail for auditors: every event on every object (users, agencies, sessions, tokens,
 * productions, requests …), filtered by object, actor, action and time, newest or oldest first, paged by
 * keyset on the event's id so page 100 costs what page 1 does (migration 0008 indexes each filter with
 * the id). An event shows its place in the sealed chain once the sealer has reached it.
 */

/** The filters as the API takes them (the page reads the same fields from its form). */
export const trailQuery = z.strictObject({
  objectType: z
    .string()
    .regex(/^[a-z_]{1,40}$/, "must be an object type such as user, agency, request")
    .optional(),
  objectId: z.string().min(1).max(200).optional(),
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .regex(/^[a-z_]{1,40}\.[a-z_]{1,40}$/, "must be an action such as session.refused")
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  order: z.enum(["newest", "oldest"]).default("newest"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(200).optional(),
});

export type TrailOrder = "newest" | "oldest";

export interface TrailFilter {
  objectType?: string | undefined;
  objectId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  /** Events at or after this moment. */
  from?: Date | undefined;
  /** Events before this moment. */
  to?: Date | undefined;
  order: TrailOrder;
  limit: number;
  /** Opaque cursor from the previous page. */
  after?: string | undefined;
}

export interface TrailEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  /** The payload as written, with anything named like a credential withheld. */
  details: Record<string, unknown>;
  /** Its position in the sealed chain; null until the sealer has reached it. */
  position: number | null;
}

/**
 * Events are written without credentials, but the trail is read by people who must never see one:
 * any field named like a password, secret, second-factor seed, token or private key is withheld here
 * too, whatever an event's author put in it.
 */
const CREDENTIAL_FIELD = /password|secret|totp|csrf|^(session|api|bearer|access|refresh)?token(hash)?$|privatekey/i;
export const WITHHELD = "[withheld]";

export function withoutCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCredentials);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, field]) => [
      key,
      CREDENTIAL_FIELD.test(key.replace(/[_-]/g, "")) ? WITHHELD : withoutCredentials(field),
    ]),
  );
}

function encodeCursor(id: number, order: TrailOrder): string {
  return Buffer.from(JSON.stringify([id, order])).toString("base64url");
}

function decodeCursor(cursor: string, order: TrailOrder): number {
  try {
    const [id, kind] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0 && kind === order) return id;
  } catch {
    // falls through to the error below
  }
  throw new ValidationError([{ path: "query.after", message: "is not a cursor this API returned (for this order)" }]);
}

export async function listAuditTrail(
  db: Db,
  principal: Principal,
  filter: TrailFilter,
): Promise<{ items: TrailEvent[]; next: string | null }> {
  authorize(principal, "audit.read");
  if (filter.from && filter.to && filter.from >= filter.to) {
    throw new ValidationError([{ path: "query.to", message: "must be after query.from" }]);
  }
  let query = db
    .selectFrom("audit_event as e")
    .leftJoin("audit_chain as c", "c.event_id", "e.id")
    .select(["e.id", "e.occurred_at", "e.actor", "e.action", "e.object_type", "e.object_id", "e.payload"])
    .select("c.position");
  if (filter.objectType) query = query.where("e.object_type", "=", filter.objectType);
  if (filter.objectId) query = query.where("e.object_id", "=", filter.objectId);
  if (filter.actor) query = query.where("e.actor", "=", filter.actor);
  if (filter.action) query = query.where("e.action", "=", filter.action);
  if (filter.from) query = query.where("e.occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("e.occurred_at", "<", filter.to);
  const newest = filter.order === "newest";
  if (filter.after) query = query.where("e.id", newest ? "<" : ">", decodeCursor(filter.after, filter.order));
  const rows = await query
    .orderBy("e.id", newest ? "desc" : "asc")
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      at: r.occurred_at.toISOString(),
      actor: r.actor,
      action: r.action,
      objectType: r.object_type,
      objectId: r.object_id,
      details: withoutCredentials(r.payload) as Record<string, unknown>,
      position: r.position === null ? null : Number(r.position),
    })),
    next: rows.length > filter.limit && last ? encodeCursor(Number(last.id), filter.order) : null,
  };
}
