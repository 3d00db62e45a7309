import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { messengerSource } from "../fulfilment/sources/messenger.source.js";
import { installMessengerStore, messengerStore } from "../fulfilment/sources/messenger.store.js";
import { LATEST_MIGRATION, migrateToLatest } from "./migrate.js";
import * as messengerOut from "./migrations/0016_messenger_out.js";
import * as decisionHumanRights from "./migrations/0018_decision_human_rights.js";
import type { DB } from "./schema.js";

/**
 * schema.ts is written by hand; this keeps it honest. The map below must name every column of every
 * table in schema.ts (the compiler checks that), and the migrated database must have exactly those.
 */
const COLUMNS: { [Table in keyof DB]: { [Column in keyof DB[Table]]: true } } = {
  agency: { id: true, name: true, jurisdiction: true, phone_on_file: true, status: true, created_at: true },
  agency_domain: { agency_id: true, domain: true, verified_at: true, verified_by: true },
  app_user: {
    id: true,
    email: true,
    display_name: true,
    role: true,
    agency_id: true,
    status: true,
    created_at: true,
    password_hash: true,
    totp_secret: true,
    totp_enrolled_at: true,
    totp_last_step: true,
    email_confirmed_at: true,
    activated_at: true,
    activated_by: true,
    flagged_at: true,
    flag_reason: true,
    created_by: true,
    updated_at: true,
    callback_number: true,
  },
  policy_version: {
    id: true,
    name: true,
    version: true,
    document: true,
    sha256: true,
    active: true,
    created_at: true,
    activated_at: true,
  },
  request: {
    id: true,
    agency_id: true,
    reference: true,
    received_at: true,
    jurisdiction: true,
    process: true,
    issued_by: true,
    findings: true,
    categories: true,
    agency_verified: true,
    emergency_justification: true,
    emergency_verified: true,
    date_from: true,
    date_to: true,
    non_disclosure_until: true,
    original_document: true,
    original_sha256: true,
    status: true,
    held_from: true,
    deadline_at: true,
    accounts_specified: true,
    decision_outcome: true,
    closed_from: true,
    version: true,
    created_at: true,
    updated_at: true,
    submitted_by: true,
    follow_up_due_at: true,
    callback_number: true,
    regime: true,
    instrument: true,
    legal_basis: true,
    assignee_id: true,
    assigned_at: true,
    clock_started_at: true,
    clock_paused_at: true,
    illegal_content_category: true,
    receipt_confirmed_at: true,
    effect: true,
    effect_at: true,
  },
  request_target: {
    request_id: true,
    position: true,
    type: true,
    value: true,
    observed_at: true,
    time_zone: true,
    port: true,
  },
  request_document: {
    request_id: true,
    position: true,
    name: true,
    sha256: true,
    media_type: true,
    size_bytes: true,
    content: true,
    blob_id: true,
  },
  document_blob: { id: true, sha256: true, size_bytes: true, created_at: true },
  document_blob_chunk: { blob_id: true, seq: true, bytes: true },
  decision: {
    id: true,
    request_id: true,
    sequence: true,
    policy_name: true,
    policy_version: true,
    outcome: true,
    needs_review: true,
    review_reasons: true,
    human_rights_review: true,
    items: true,
    cause: true,
    note: true,
    decided_at: true,
  },
  review: {
    id: true,
    request_id: true,
    decision_id: true,
    reviewer: true,
    verdict: true,
    checklist: true,
    note: true,
    created_at: true,
  },
  jurisdiction_status: { id: true, jurisdiction: true, status: true, reason: true, actor: true, changed_at: true },
  preservation_hold: {
    id: true,
    request_id: true,
    expires_at: true,
    extensions: true,
    status: true,
    created_at: true,
    confirmed_at: true,
    confirmed_by: true,
  },
  job: {
    id: true,
    kind: true,
    payload: true,
    run_at: true,
    status: true,
    attempts: true,
    max_attempts: true,
    locked_by: true,
    locked_at: true,
    locked_until: true,
    last_error: true,
    dedupe_key: true,
    created_at: true,
    finished_at: true,
  },
  audit_event: {
    id: true,
    xid: true,
    occurred_at: true,
    actor: true,
    action: true,
    object_type: true,
    object_id: true,
    payload: true,
    digest: true,
  },
  audit_chain: { position: true, event_id: true, hash: true, sealed_at: true },
  audit_checkpoint: { position: true, hash: true, signed_at: true, key_id: true, signature: true },
  audit_seal_state: { singleton: true, sealed_below: true },
  email_confirmation: { token_hash: true, user_id: true, expires_at: true, used_at: true, created_at: true },
  user_session: {
    id_hash: true,
    user_id: true,
    csrf_hash: true,
    created_at: true,
    expires_at: true,
    last_seen_at: true,
    revoked_at: true,
    revoked_reason: true,
    user_agent: true,
  },
  api_token: {
    id: true,
    user_id: true,
    name: true,
    token_hash: true,
    scopes: true,
    created_at: true,
    expires_at: true,
    revoked_at: true,
    last_used_at: true,
  },
  callback: {
    id: true,
    subject_type: true,
    subject_id: true,
    agency_id: true,
    called_number: true,
    outcome: true,
    note: true,
    made_by: true,
    made_at: true,
  },
  callback_number_review: {
    id: true,
    subject_type: true,
    subject_id: true,
    number_on_record: true,
    number_on_file: true,
    dial: true,
    note: true,
    reviewed_by: true,
    reviewed_at: true,
  },
  agency_change: {
    id: true,
    agency_id: true,
    kind: true,
    value: true,
    status: true,
    proposed_by: true,
    proposed_at: true,
    decided_by: true,
    decided_at: true,
  },
  staff_change: {
    id: true,
    kind: true,
    email: true,
    display_name: true,
    role: true,
    user_id: true,
    status: true,
    proposed_by: true,
    proposed_at: true,
    decided_by: true,
    decided_at: true,
  },
  staff_setup: {
    token_hash: true,
    user_id: true,
    sent_by: true,
    created_at: true,
    expires_at: true,
    used_at: true,
    revoked_at: true,
  },
  mail_outbox: {
    id: true,
    recipient: true,
    subject: true,
    body: true,
    purpose: true,
    not_before: true,
    status: true,
    attempts: true,
    last_error: true,
    created_at: true,
    sent_at: true,
  },
  enforcing_notification: {
    request_id: true,
    enforcing_state: true,
    notified_at: true,
    window_closes_at: true,
    emergency: true,
    recorded_from: true,
    recorded_by: true,
    recorded_at: true,
  },
  enforcing_answer: {
    id: true,
    request_id: true,
    kind: true,
    grounds: true,
    categories: true,
    conditions: true,
    note: true,
    answered_at: true,
    in_time: true,
    after_delivery: true,
    recorded_by: true,
    recorded_at: true,
  },
  request_message: {
    id: true,
    request_id: true,
    sequence: true,
    direction: true,
    kind: true,
    form: true,
    sha256: true,
    author: true,
    sent_at: true,
    in_reply_to: true,
    awaits_answer: true,
    answered_at: true,
  },
  request_hold: {
    id: true,
    request_id: true,
    kind: true,
    account_id: true,
    reason: true,
    placed_by: true,
    placed_at: true,
    released_by: true,
    released_at: true,
    release_note: true,
  },
  report_rollup: {
    period: true,
    country: true,
    process: true,
    shard: true,
    requests: true,
    accounts_specified: true,
    produced: true,
    held: true,
    rejected: true,
    no_data: true,
  },
  report_version: {
    period: true,
    version: true,
    published_at: true,
    published_by: true,
    note: true,
    rows: true,
    changes: true,
    sha256: true,
    notices: true,
    dsa: true,
    notice_changes: true,
    dsa_changes: true,
  },
  production: {
    id: true,
    request_id: true,
    decision_id: true,
    agency_id: true,
    status: true,
    started_by: true,
    started_at: true,
    heartbeat_at: true,
    sealed_at: true,
    expires_at: true,
    purge_after: true,
    downloaded_at: true,
    downloaded_by: true,
    purged_at: true,
    wrapped_key: true,
    master_key_id: true,
    chunk_size: true,
    bag_name: true,
    archive_bytes: true,
    payload_bytes: true,
    data_produced: true,
    summary: true,
    archive_key: true,
    archive_sha256: true,
  },
  production_chunk: { production_id: true, seq: true, data: true },
  production_target: {
    production_id: true,
    position: true,
    target: true,
    account_ref: true,
    result: true,
    records: true,
  },
  warrant_canary: {
    day: true,
    status: true,
    decided_at: true,
    document: true,
    signature: true,
    key_id: true,
    expires_at: true,
    unsupported: true,
  },
  emergency_page: {
    request_id: true,
    status: true,
    attempts: true,
    last_error: true,
    sent_at: true,
    acknowledged_by: true,
    acknowledged_at: true,
    updated_at: true,
  },
  user_notice: {
    request_id: true,
    kind: true,
    status: true,
    barred_until: true,
    accounts_notified: true,
    period: true,
    country: true,
    process: true,
    recorded_at: true,
    updated_at: true,
  },
  notice_rollup: {
    period: true,
    country: true,
    process: true,
    shard: true,
    given: true,
    delayed: true,
    barred: true,
    pending: true,
    not_possible: true,
    by_authority: true,
  },
  demand_publication: {
    request_id: true,
    version: true,
    shown: true,
    redactions: true,
    summary: true,
    drafted_by: true,
    drafted_at: true,
    approved_by: true,
    approved_at: true,
  },
  dsa_report_generation: { year: true, shard: true, generation: true },
  dsa_report_cache: {
    year: true,
    generation: true,
    computed_at: true,
    member_states: true,
    categories: true,
    orders: true,
    confirmed: true,
    median_confirm: true,
    answered: true,
    median_effect: true,
  },
};

describe.each(DRIVERS)("schema on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("has exactly the tables and columns schema.ts declares", async () => {
    const rows = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
       where table_schema = current_schema() and table_name not like 'kysely_%'
       order by table_name, column_name`
      .execute(database.db)
      .then((r) => r.rows);
    const actual: Record<string, string[]> = {};
    for (const row of rows) {
      actual[row.table_name] = [...(actual[row.table_name] ?? []), row.column_name];
    }
    const expected = Object.fromEntries(
      Object.entries(COLUMNS).map(([table, columns]) => [table, Object.keys(columns).sort()]),
    );
    expect(actual).toEqual(expected);
  });

  it("applies migrations once: a second run changes nothing", async () => {
    const again = await migrateToLatest(database.db);
    expect(again.applied).toEqual([]);
    // The newest migration this build lists (the literal went stale as soon as a later one landed).
    expect(again.current).toBe(LATEST_MIGRATION);
  });

  it("enforces the contract vocabulary in the database itself", async () => {
    const { id: agencyId } = await database.db
      .insertInto("agency")
      .values({ name: "A", jurisdiction: "US" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const base = {
      agency_id: agencyId,
      reference: "R-1",
      received_at: new Date(),
      jurisdiction: "US",
      process: "subpoena",
      findings: [],
      categories: ["subscriber.name"],
      agency_verified: true,
      original_document: "{}",
      original_sha256: "0".repeat(64),
      status: "received",
      accounts_specified: 1,
    };
    const insert = (overrides: Record<string, unknown>) =>
      database.db.transaction().execute((tx) =>
        tx
          .insertInto("request")
          .values({ ...base, ...overrides } as typeof base)
          .execute(),
      );
    await expect(insert({ process: "telepathy" })).rejects.toThrow(/check constraint/);
    await expect(insert({ categories: ["content.thoughts"] })).rejects.toThrow(/check constraint/);
    await expect(insert({ status: "lost" })).rejects.toThrow(/check constraint/);
    await expect(insert({ jurisdiction: "hk" })).rejects.toThrow(/check constraint/);
    await expect(insert({ agency_id: "00000000-0000-0000-0000-000000000000" })).rejects.toThrow(/foreign key/);
    await insert({});
    await expect(insert({})).rejects.toThrow(/unique/);
    await expect(
      database.db
        .transaction()
        .execute((tx) =>
          tx
            .insertInto("app_user")
            .values({ email: "a@b.c", display_name: "A", role: "agency", agency_id: null })
            .execute(),
        ),
    ).rejects.toThrow(/check constraint/);
  });

  it("holds only the product: the demo messenger's store is the demo's, in a schema of its own", async () => {
    const inSchema = async (schema: string) =>
      sql<{ n: number }>`select count(*)::int as n from information_schema.tables
        where table_schema = ${schema} and table_name like 'messenger_%'`
        .execute(database.db)
        .then((r) => r.rows[0]?.n);
    expect(await inSchema("messenger")).toBe(0);
    // A deployment that never ran the demo: every target is "no such account", not an error.
    expect(await messengerSource(database.db).findAccount({ type: "username", value: "anyone" })).toBeUndefined();
    await installMessengerStore(database.db);
    await installMessengerStore(database.db);
    expect(await inSchema("messenger")).toBe(8);
    const product = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
        where table_schema = current_schema() and table_name like 'messenger_%'`
      .execute(database.db)
      .then((r) => r.rows[0]?.n);
    expect(product).toBe(0);
    await sql`drop schema messenger cascade`.execute(database.db);
  });
});

describe.each(DRIVERS)("a store migrated before the messenger left the schema, on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("moves the demo's tables, rows and all, out of the product's schema", async () => {
    // What 0004 created before round 2, reduced to what the move has to carry.
    const tables = ["account", "login", "contact", "group", "membership", "post", "media", "message"];
    for (const table of tables)
      await sql.raw(`create table messenger_${table} (id text primary key)`).execute(database.db);
    await sql`insert into messenger_account (id) values ('1002993841')`.execute(database.db);

    await messengerOut.up(database.db as unknown as Kysely<unknown>);

    const left = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
        where table_schema = current_schema() and table_name like 'messenger_%'`
      .execute(database.db)
      .then((r) => r.rows[0]?.n);
    expect(left).toBe(0);
    const moved = await messengerStore(database.db).selectFrom("messenger_account").select("id").execute();
    expect(moved).toEqual([{ id: "1002993841" }]);
    // A store made since has nothing to move, and the migration does nothing.
    await sql`drop schema messenger cascade`.execute(database.db);
    await messengerOut.up(database.db as unknown as Kysely<unknown>);
    const schemas = await sql`select 1 from information_schema.schemata where schema_name = 'messenger'`.execute(
      database.db,
    );
    expect(schemas.rows).toEqual([]);
  });
});

describe.each(DRIVERS)("a store migrated before decisions carried the human-rights flag, on %s", (driver) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(driver);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("fills the flag in from the list of the policy each decision names, a country's entry covering its subdivisions", async () => {
    const db = database.db as unknown as Kysely<unknown>;
    await decisionHumanRights.down(db);
    await sql`
      with p as (
        insert into policy_version (name, version, document, sha256)
        values ('P', '1', ${"name: P\nversion: '1'\nhumanRightsReview: [RU, GB-SCT]\n"}, repeat('0', 64)),
               ('P', '2', ${"name: P\nversion: '2'\nhumanRightsReview: []\n"}, repeat('1', 64))
      ),
      a as (insert into agency (name, jurisdiction) values ('Police', 'US') returning id),
      r as (
        insert into request (id, agency_id, reference, received_at, jurisdiction, process, categories, agency_verified,
            original_document, original_sha256, status, accounts_specified)
        select v.id::uuid, a.id, v.ref, now(), v.j, 'court_order', '{subscriber.phone}', true, '{}', repeat('0', 64),
               'received', 1
          from a, (values ('00000000-0000-0000-0000-000000000001', 'R-1', 'RU'),
                          ('00000000-0000-0000-0000-000000000002', 'R-2', 'RU-MOW'),
                          ('00000000-0000-0000-0000-000000000003', 'R-3', 'GB-SCT'),
                          ('00000000-0000-0000-0000-000000000004', 'R-4', 'GB'),
                          ('00000000-0000-0000-0000-000000000005', 'R-5', 'US'))
                  as v(id, ref, j)
        returning id
      )
      insert into decision (request_id, sequence, policy_name, policy_version, outcome, needs_review, review_reasons,
          items, cause)
      values ('00000000-0000-0000-0000-000000000001', 1, 'P', '1', 'no_data', false, '[]', '[]', 'intake'),
             ('00000000-0000-0000-0000-000000000001', 2, 'P', '2', 'no_data', false, '[]', '[]', 'policy_change'),
             ('00000000-0000-0000-0000-000000000001', 3, 'ledger', '1', 'no_data', false, '[]', '[]', 'import'),
             ('00000000-0000-0000-0000-000000000002', 1, 'P', '1', 'no_data', false, '[]', '[]', 'intake'),
             ('00000000-0000-0000-0000-000000000003', 1, 'P', '1', 'no_data', false, '[]', '[]', 'intake'),
             ('00000000-0000-0000-0000-000000000004', 1, 'P', '1', 'no_data', false, '[]', '[]', 'intake'),
             ('00000000-0000-0000-0000-000000000005', 1, 'P', '1', 'no_data', false, '[]', '[]', 'intake')`.execute(db);

    await decisionHumanRights.up(db);

    const flags = await sql<{ reference: string; version: string; flagged: boolean }>`
      select r.reference, d.policy_name || ' ' || d.policy_version as version, d.human_rights_review as flagged
        from decision d join request r on r.id = d.request_id order by r.reference, d.sequence`.execute(db);
    expect(flags.rows).toEqual([
      { reference: "R-1", version: "P 1", flagged: true },
      { reference: "R-1", version: "P 2", flagged: false },
      { reference: "R-1", version: "ledger 1", flagged: false },
      { reference: "R-2", version: "P 1", flagged: true },
      { reference: "R-3", version: "P 1", flagged: true },
      { reference: "R-4", version: "P 1", flagged: false },
      { reference: "R-5", version: "P 1", flagged: false },
    ]);
  });
});
