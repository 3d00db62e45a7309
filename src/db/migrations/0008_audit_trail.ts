import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The audit trail is read by auditors a page at a time, by keyset on
 * the event id, filtered by actor, action, object type or time. Each index below holds one filter with
 * the id, so a filtered page is an index range scan from the cursor: page 100 costs what page 1 does,
 * instead of every page walking (or sorting) all events of that actor, action or type. An object's own
 * events are few and already indexed (audit_event_object, 0001); a time range is read through its own
 * index when it is narrow and through the id order when it is wide.
 */
const STATEMENTS = [
  "create index audit_event_actor on audit_event (actor, id)",
  "create index audit_event_action on audit_event (action, id)",
  "create index audit_event_type on audit_event (object_type, id)",
  "create index audit_event_time on audit_event (occurred_at)",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ["audit_event_time", "audit_event_type", "audit_event_action", "audit_event_actor"]) {
    await sql.raw(`drop index ${name}`).execute(db);
  }
}
