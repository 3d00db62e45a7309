import { type SelectQueryBuilder, sql } from "kysely";
import type { Db, Tx } from "../../db/database.js";
import type { Target } from "../../domain/request.schema.js";
import type { Category } from "../../domain/vocabulary.js";
import { messengerStore, messengerStoreInstalled } from "./messenger.store.js";
import type { AccountRef, DataSource, FieldValue, Period, SourceRecord } from "./source.js";

/**
 * The built-in source: the demo messenger's user store (messenger.store.ts), in a schema of its own in
 * the same database, created and filled by `custodian demo` through seedMessengerStore. Messages are held only as
 * end-to-end ciphertext; the example policy marks content.messages `e2ee`, so collection never asks.
 */

const COLUMNS: Partial<Record<Category, readonly string[]>> = {
  "subscriber.name": ["display_name"],
  "subscriber.email": ["email"],
  "subscriber.phone": ["phone"],
  "subscriber.ip_address": ["kind", "ip"],
  "subscriber.created_at": ["created_at"],
  "records.ip_logs": ["ip", "user_agent"],
  "records.contacts": ["contact_name", "contact_phone"],
  "records.groups": ["group_id", "title", "kind", "role"],
  "records.connections": ["message_id", "direction", "peer_account_id"],
  "records.last_seen": ["last_seen_at"],
  "content.messages": ["message_id", "direction", "peer_account_id", "ciphertext_base64"],
  "content.posts": ["post_id", "group_id", "body"],
  "content.media": ["media_id", "file_name", "media_type", "size_bytes", "sha256", "storage_ref"],
};

// Records are read a page at a time (keyset pagination), never through one long cursor: the page's
// connection is free between pages, which PGlite's single connection needs.
const PAGE = 2000;

type Row = { at: Date; k1: string | number; k2: string | number } & Record<string, unknown>;

export function messengerSource(db: Db | Tx): DataSource {
  const store = messengerStore(db);
  // A deployment that never ran the demo has no store: every target is then "no such account".
  let installed: boolean | undefined;
  const account = (id: string) =>
    store.selectFrom("messenger_account").selectAll().where("id", "=", id).executeTakeFirst();

  async function* paged(
    period: Period,
    query: (after: { at: Date; k1: string | number; k2: string | number } | undefined) => Promise<Row[]>,
    map: (row: Row) => Record<string, FieldValue>,
  ): AsyncIterable<SourceRecord> {
    let after: Row | undefined;
    for (;;) {
      const rows = await query(after);
      for (const row of rows) {
        if ((period.from && row.at < period.from) || row.at >= period.to) continue;
        yield { at: row.at, fields: map(row) };
      }
      if (rows.length < PAGE) return;
      after = rows.at(-1);
    }
  }

  // Keyset over (at, k1, k2), within the period, oldest first.
  function window<D, T extends keyof D, O>(
    query: SelectQueryBuilder<D, T, O>,
    atColumn: string,
    k1: string,
    k2: string,
    period: Period,
    after: { at: Date; k1: string | number; k2: string | number } | undefined,
  ) {
    let q = query.where(sql.ref(atColumn), "<", period.to);
    if (period.from) q = q.where(sql.ref(atColumn), ">=", period.from);
    if (after) {
      q = q.where(
        sql<boolean>`(${sql.ref(atColumn)}, ${sql.ref(k1)}, ${sql.ref(k2)}) > (${after.at}, ${after.k1}, ${after.k2})`,
      );
    }
    return q.orderBy(sql.ref(atColumn)).orderBy(sql.ref(k1)).orderBy(sql.ref(k2)).limit(PAGE);
  }

  return {
    name: "demo messenger user store",

    columns: (category) => COLUMNS[category],

    async findAccount(target: Target): Promise<AccountRef | undefined> {
      installed ??= await messengerStoreInstalled(db);
      if (!installed) return undefined;
      const value = target.value.trim();
      let query = store.selectFrom("messenger_account").select(["id", "username"]);
      if (target.type === "account_id") query = query.where("id", "=", value);
      else if (target.type === "username") query = query.where("username", "=", value.replace(/^@/, "").toLowerCase());
      else if (target.type === "email") query = query.where("email", "=", value.toLowerCase());
      else query = query.where("phone", "=", value.replace(/[\s().-]/g, ""));
      const row = await query.executeTakeFirst();
      return row ? { id: row.id, label: `@${row.username}` } : undefined;
    },

    async contactFor(ref: AccountRef) {
      const row = await account(ref.id);
      return row?.email ? { email: row.email, name: row.display_name } : undefined;
    },

    async *read(ref: AccountRef, category: Category, period: Period): AsyncIterable<SourceRecord> {
      const id = ref.id;
      switch (category) {
        case "subscriber.name":
        case "subscriber.email":
        case "subscriber.phone":
        case "subscriber.created_at": {
          const row = await account(id);
          if (!row) return;
          const value = {
            "subscriber.name": row.display_name,
            "subscriber.email": row.email,
            "subscriber.phone": row.phone,
            "subscriber.created_at": row.created_at.toISOString(),
          }[category];
          if (value !== null) yield { at: null, fields: { [COLUMNS[category]?.[0] as string]: value } };
          return;
        }
        case "subscriber.ip_address": {
          // The registration IP and the most recent login IP within the period.
          const row = await account(id);
          if (!row) return;
          if ((!period.from || row.created_at >= period.from) && row.created_at < period.to) {
            yield { at: row.created_at, fields: { kind: "registration", ip: row.registration_ip } };
          }
          let last = store
            .selectFrom("messenger_login")
            .select(["at", "ip"])
            .where("account_id", "=", id)
            .where("at", "<", period.to);
          if (period.from) last = last.where("at", ">=", period.from);
          const login = await last.orderBy("at", "desc").limit(1).executeTakeFirst();
          if (login) yield { at: login.at, fields: { kind: "last_login", ip: login.ip } };
          return;
        }
        case "records.last_seen": {
          const row = await account(id);
          if (row?.last_seen_at && (!period.from || row.last_seen_at >= period.from) && row.last_seen_at < period.to) {
            yield { at: row.last_seen_at, fields: { last_seen_at: row.last_seen_at.toISOString() } };
          }
          return;
        }
        case "records.ip_logs":
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_login")
                  .select(["at", "ip", "user_agent", "id as k1", "id as k2"])
                  .where("account_id", "=", id),
                "at",
                "id",
                "id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => ({ ip: row.ip as string, user_agent: row.user_agent as string }),
          );
          return;
        case "records.contacts":
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_contact")
                  .select(["added_at as at", "name", "phone", "id as k1", "id as k2"])
                  .where("account_id", "=", id),
                "added_at",
                "id",
                "id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => ({ contact_name: row.name as string, contact_phone: row.phone as string }),
          );
          return;
        case "records.groups":
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_membership as m")
                  .innerJoin("messenger_group as g", "g.id", "m.group_id")
                  .select(["m.joined_at as at", "g.id as k1", "g.id as k2", "g.title", "g.kind", "m.role"])
                  .where("m.account_id", "=", id),
                "m.joined_at",
                "g.id",
                "g.id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => ({
              group_id: row.k1 as string,
              title: row.title as string,
              kind: row.kind as string,
              role: row.role as string,
            }),
          );
          return;
        case "records.connections":
        case "content.messages": {
          const withCiphertext = category === "content.messages";
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_message")
                  .select([
                    "sent_at as at",
                    "id as k1",
                    "id as k2",
                    "sender_id",
                    "recipient_id",
                    ...(withCiphertext ? (["ciphertext"] as const) : []),
                  ])
                  .where((eb) => eb.or([eb("sender_id", "=", id), eb("recipient_id", "=", id)])),
                "sent_at",
                "id",
                "id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => {
              const sent = row.sender_id === id;
              const fields: Record<string, FieldValue> = {
                message_id: String(row.k1),
                direction: sent ? "sent" : "received",
                peer_account_id: (sent ? row.recipient_id : row.sender_id) as string,
              };
              if (withCiphertext)
                fields.ciphertext_base64 = Buffer.from(row.ciphertext as Uint8Array).toString("base64");
              return fields;
            },
          );
          return;
        }
        case "content.posts":
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_post")
                  .select(["posted_at as at", "id as k1", "id as k2", "group_id", "body"])
                  .where("account_id", "=", id),
                "posted_at",
                "id",
                "id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => ({ post_id: String(row.k1), group_id: row.group_id as string | null, body: row.body as string }),
          );
          return;
        case "content.media":
          yield* paged(
            period,
            (after) =>
              window(
                store
                  .selectFrom("messenger_media")
                  .select([
                    "uploaded_at as at",
                    "id as k1",
                    "id as k2",
                    "file_name",
                    "media_type",
                    "size_bytes",
                    "sha256",
                    "storage_ref",
                  ])
                  .where("account_id", "=", id),
                "uploaded_at",
                "id",
                "id",
                period,
                after,
              ).execute() as Promise<Row[]>,
            (row) => ({
              media_id: String(row.k1),
              file_name: row.file_name as string,
              media_type: row.media_type as string,
              size_bytes: row.size_bytes as number,
              sha256: row.sha256 as string,
              storage_ref: row.storage_ref as string,
            }),
          );
          return;
        default:
          // subscriber.billing and content.location: the messenger takes no payments and stores no location.
          return;
      }
    },
  };
}
