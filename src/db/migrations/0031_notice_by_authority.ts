import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). A sixth outcome of a user notice: `by_authority`, the notice the policy
 * leaves to the issuing authority under the request's regime (docs/policy.md#user-notice; Regulation (EU)
 * 2023/1543 Art. 13: the authority informs the person, the provider keeps the order confidential). Counted
 * apart, so the report never shows such a request as told by the provider nor as one it failed to tell.
 * The rollup gains its column and its trigger function the sixth status; nothing before this migration was
 * left to an authority, so there is nothing to fill in.
 */

const STATUSES = ["given", "delayed", "barred", "pending", "not_possible", "by_authority"] as const;

const rollupFunction = (statuses: readonly string[]) => `
  create or replace function notice_rollup_apply() returns trigger language plpgsql as $$
  begin
    if tg_op = 'UPDATE' and old.status = new.status and old.period = new.period
       and old.country = new.country and old.process = new.process then
      return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
      insert into notice_rollup as n (period, country, process, shard, ${statuses.join(", ")})
      values (old.period, old.country, old.process, (pg_backend_pid() % 16)::smallint,
              ${statuses.map((s) => `-(old.status = '${s}')::int`).join(", ")})
      on conflict (period, country, process, shard) do update set
        ${statuses.map((s) => `${s} = n.${s} + excluded.${s}`).join(", ")};
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into notice_rollup as n (period, country, process, shard, ${statuses.join(", ")})
      values (new.period, new.country, new.process, (pg_backend_pid() % 16)::smallint,
              ${statuses.map((s) => `(new.status = '${s}')::int`).join(", ")})
      on conflict (period, country, process, shard) do update set
        ${statuses.map((s) => `${s} = n.${s} + excluded.${s}`).join(", ")};
    end if;
    return null;
  end $$`;

const statusCheck = (statuses: readonly string[]) =>
  `alter table user_notice add constraint user_notice_status_check
     check (status in (${statuses.map((s) => `'${s}'`).join(", ")}))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw("alter table user_notice drop constraint user_notice_status_check").execute(db);
  await sql.raw(statusCheck(STATUSES)).execute(db);
  await sql.raw("alter table notice_rollup add column by_authority bigint not null default 0").execute(db);
  await sql.raw(rollupFunction(STATUSES)).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const before = STATUSES.filter((s) => s !== "by_authority");
  await sql.raw("delete from user_notice where status = 'by_authority'").execute(db);
  await sql.raw(rollupFunction(before)).execute(db);
  await sql.raw("alter table notice_rollup drop column by_authority").execute(db);
  await sql.raw("alter table user_notice drop constraint user_notice_status_check").execute(db);
  await sql.raw(statusCheck(before)).execute(db);
}
