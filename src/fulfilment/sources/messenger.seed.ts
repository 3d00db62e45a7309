import { type Insertable, sql } from "kysely";
import type { Db } from "../../db/database.js";
import { DAY_MS } from "../../shared/time.js";
import { installMessengerStore, type MessengerDB, messengerStore } from "./messenger.store.js";

/**
 * Generated, realistic-looking data for the demo messenger's user store: deterministic for a seed, so a
 * demo and a test see the same accounts every time. The first accounts are the ones the example
 * requests (examples/requests) name, so the demo's requests find someone; every other account is made up.
 */

export interface SeedOptions {
  accounts: number;
  seed: number;
  /** The period activity is spread over (default: 1 July 2019 until now). */
  from?: Date;
  to?: Date;
}

export interface SeedResult {
  accounts: number;
  rows: number;
}

/** sfc32: small, fast and good enough for test data; never used for anything secret. */
function random(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

const FIRST = [
  "Amelia",
  "Wei",
  "Noah",
  "Priya",
  "Lucas",
  "Sofia",
  "Kenji",
  "Fatima",
  "Mateo",
  "Chloe",
  "Oluwaseun",
  "Ines",
  "Dmitri",
  "Mei",
  "Jonas",
  "Aisha",
  "Tomás",
  "Hannah",
  "Ravi",
  "Elif",
  "Ka Ho",
  "Grace",
  "Yusuf",
  "Lena",
];
const LAST = [
  "Chan",
  "Müller",
  "Okafor",
  "Silva",
  "Nguyen",
  "Kowalski",
  "Haddad",
  "Tanaka",
  "Smith",
  "García",
  "Lee",
  "Novak",
  "Rossi",
  "Cohen",
  "Wong",
  "Andersson",
  "Patel",
  "Dubois",
  "Kim",
  "Ivanova",
  "Lam",
  "Brown",
];
const WORDS = [
  "harbour",
  "light",
  "river",
  "stone",
  "quiet",
  "fox",
  "night",
  "owl",
  "lion",
  "rock",
  "paper",
  "kite",
  "north",
  "wind",
  "ember",
  "tide",
  "cedar",
  "moss",
  "orbit",
  "pixel",
  "salt",
  "maple",
  "echo",
  "delta",
];
const SENTENCES = [
  "Meeting moved to Thursday, same place.",
  "Photos from the weekend hike are up.",
  "Does anyone have the notes from the lecture?",
  "Ferry delayed again, taking the MTR instead.",
  "New episode of the podcast is out tonight.",
  "Looking for a flatmate from September, DM me.",
  "Happy birthday to our admin!",
  "Reminder: bring your own cups to the market.",
  "The match starts at 8, see you at the bar.",
  "Selling a used bike, barely ridden.",
  "Road closed near the station this morning.",
  "Thanks everyone for coming yesterday.",
];
const AGENTS = [
  "ExampleChat/5.2 (Android 10; Pixel 3a)",
  "ExampleChat/5.2 (iOS 13.5; iPhone11,8)",
  "ExampleChat/5.1 (Android 9; SM-G960F)",
  "ExampleChat Desktop/2.0 (Windows 10)",
  "ExampleChat Web/1.9 (Firefox 78)",
];
const MEDIA = [
  ["image/jpeg", "jpg"],
  ["image/png", "png"],
  ["video/mp4", "mp4"],
  ["application/pdf", "pdf"],
] as const;

/** The accounts the example requests name. */
const KNOWN = [
  {
    id: "1002993841",
    username: "riverstone",
    name: "Daniel Reyes",
    email: "riverstone@example.com",
    phone: "+12025550143",
  },
  {
    id: "1004417720",
    username: "lionrock_hk",
    name: "Chan Tai Man",
    email: "lionrock@example.hk",
    phone: "+85291234567",
  },
  {
    id: "1005521934",
    username: "quietfox",
    name: "Sam Whitfield",
    email: "quietfox@example.net",
    phone: "+13125550188",
  },
  {
    id: "1006630015",
    username: "nightowl_07",
    name: "Olivia Hart",
    email: "nightowl07@example.co.uk",
    phone: "+447700900123",
  },
  {
    id: "1007712468",
    username: "nordlicht",
    name: "Jonas Becker",
    email: "nordlicht@example.de",
    phone: "+4915112345678",
  },
];

const BATCH = 1000;

async function inBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

export async function seedMessengerStore(db: Db, options: SeedOptions): Promise<SeedResult> {
  await installMessengerStore(db);
  const store = messengerStore(db);
  const rand = random(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const from = (options.from ?? new Date("2019-07-01T00:00:00Z")).getTime();
  const to = (options.to ?? new Date()).getTime();
  const at = (start = from) => new Date(start + Math.floor(rand() * Math.max(1, to - start)));
  const ip = () =>
    rand() < 0.8
      ? `${pick([58, 61, 82, 91, 100, 113, 176, 203])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
      : `2001:db8:${int(0, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}`;
  const hex = (bytes: number) =>
    Array.from({ length: bytes }, () => int(0, 255).toString(16).padStart(2, "0")).join("");

  // Continue after whatever a previous seed left, so seeding twice adds accounts instead of failing.
  const existing = await store
    .selectFrom("messenger_account")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const offset = Number(existing.n);
  // Posts, media and messages take ids from one counter, after the largest any of them holds.
  const { rows: idRows } = await sql<{ max: number | null }>`select greatest(
      (select max(id) from messenger.messenger_post), (select max(id) from messenger.messenger_media),
      (select max(id) from messenger.messenger_message)) as max`.execute(db);
  let nextId = Number(idRows[0]?.max ?? 0) + 1;

  const accounts: Insertable<MessengerDB["messenger_account"]>[] = [];
  for (let i = offset; i < offset + options.accounts; i++) {
    const known = KNOWN[i];
    const created = at(from - 400 * DAY_MS);
    const first = pick(FIRST);
    const last = pick(LAST);
    const username = known?.username ?? `${pick(WORDS)}${pick(WORDS)}${i}`;
    accounts.push({
      id: known?.id ?? String(2_000_000_000 + i * 7919),
      username,
      display_name: known?.name ?? `${first} ${last}`,
      email: known?.email ?? (rand() < 0.7 ? `${username}@example.${pick(["com", "net", "org"])}` : null),
      phone: known?.phone ?? (rand() < 0.9 ? `+1555${String(1_000_000 + i).slice(-7)}` : null),
      created_at: created,
      registration_ip: ip(),
      last_seen_at: at(),
    });
  }
  await inBatches(accounts, (batch) => store.insertInto("messenger_account").values(batch).execute());

  const allIds = [
    ...(await store.selectFrom("messenger_account").select("id").orderBy("id").execute()).map((r) => r.id),
  ];
  const groups: Insertable<MessengerDB["messenger_group"]>[] = [];
  const groupCount = Math.max(2, Math.ceil(options.accounts / 10));
  for (let g = 0; g < groupCount; g++) {
    groups.push({
      id: `g${options.seed}-${offset}-${g}`,
      title: `${pick(WORDS)} ${pick(["club", "neighbours", "study group", "market", "news", "band"])}`,
      kind: rand() < 0.3 ? "channel" : "group",
      created_at: at(from - 200 * DAY_MS),
    });
  }
  await inBatches(groups, (batch) => store.insertInto("messenger_group").values(batch).execute());

  const logins: Insertable<MessengerDB["messenger_login"]>[] = [];
  const contacts: Insertable<MessengerDB["messenger_contact"]>[] = [];
  const memberships: Insertable<MessengerDB["messenger_membership"]>[] = [];
  const posts: Insertable<MessengerDB["messenger_post"]>[] = [];
  const media: Insertable<MessengerDB["messenger_media"]>[] = [];
  const messages: Insertable<MessengerDB["messenger_message"]>[] = [];
  for (const account of accounts) {
    const id = account.id as string;
    const homeIp = ip();
    for (let n = int(20, 60); n > 0; n--) {
      logins.push({ account_id: id, at: at(), ip: rand() < 0.7 ? homeIp : ip(), user_agent: pick(AGENTS) });
    }
    for (let n = int(3, 15); n > 0; n--) {
      contacts.push({
        account_id: id,
        name: `${pick(FIRST)} ${pick(LAST)}`,
        phone: `+1555${int(1_000_000, 9_999_999)}`,
        added_at: at(),
      });
    }
    const joined = new Set<string>();
    for (let n = int(1, 4); n > 0; n--) {
      const group = pick(groups);
      if (joined.has(group.id as string)) continue;
      joined.add(group.id as string);
      memberships.push({
        group_id: group.id as string,
        account_id: id,
        role: rand() < 0.1 ? "admin" : "member",
        joined_at: at(),
      });
    }
    for (let n = int(2, 12); n > 0; n--) {
      posts.push({
        id: nextId++,
        account_id: id,
        group_id: joined.size > 0 && rand() < 0.8 ? (pick([...joined]) as string) : null,
        body: `${pick(SENTENCES)} ${rand() < 0.3 ? pick(SENTENCES) : ""}`.trim(),
        posted_at: at(),
      });
    }
    for (let n = int(0, 5); n > 0; n--) {
      const [type, ext] = pick(MEDIA);
      const digest = hex(32);
      media.push({
        id: nextId++,
        account_id: id,
        file_name: `${pick(["IMG", "VID", "DOC", "scan"])}_${int(1000, 9999)}.${ext}`,
        media_type: type,
        size_bytes: int(20_000, 8_000_000),
        sha256: digest,
        storage_ref: `blob://media/${digest.slice(0, 2)}/${digest}`,
        uploaded_at: at(),
      });
    }
    for (let n = int(5, 30); n > 0; n--) {
      const peer = pick(allIds);
      if (peer === id) continue;
      const outgoing = rand() < 0.5;
      messages.push({
        id: nextId++,
        sender_id: outgoing ? id : peer,
        recipient_id: outgoing ? peer : id,
        sent_at: at(),
        // Random bytes stand in for the Signal-protocol ciphertext the server relays and cannot read.
        ciphertext: Buffer.from(hex(int(48, 240)), "hex"),
      });
    }
  }
  await inBatches(logins, (batch) => store.insertInto("messenger_login").values(batch).execute());
  await inBatches(contacts, (batch) => store.insertInto("messenger_contact").values(batch).execute());
  await inBatches(memberships, (batch) => store.insertInto("messenger_membership").values(batch).execute());
  await inBatches(posts, (batch) => store.insertInto("messenger_post").values(batch).execute());
  await inBatches(media, (batch) => store.insertInto("messenger_media").values(batch).execute());
  await inBatches(messages, (batch) => store.insertInto("messenger_message").values(batch).execute());
  return {
    accounts: accounts.length,
    rows:
      accounts.length +
      groups.length +
      logins.length +
      contacts.length +
      memberships.length +
      posts.length +
      media.length +
      messages.length,
  };
}
