import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). A call-back dials the agency's phone on file as it was when the
 * emergency arrived or the officer registered, never the one on file when someone gets round to calling:
 * a number changed in between could be the attacker's. The number is taken by the row's own insert (a
 * trigger), so no change committed in between can slip into it. A number that changed since is shown as
 * changed, and the call-back waits for counsel's reviewed decision of which of the two numbers to dial.
 */
const PHONE = `check (callback_number ~ '^\\+[1-9][0-9]{6,14}$')`;

const STATEMENTS = [
  `alter table request add column callback_number text ${PHONE}`,
  `alter table app_user add column callback_number text ${PHONE}`,
  `create function request_callback_number() returns trigger language plpgsql as $$
   begin
     if new.process = 'emergency' then
       new.callback_number := (select phone_on_file from agency where id = new.agency_id);
     end if;
     return new;
   end $$`,
  `create trigger request_callback_number before insert on request
     for each row execute function request_callback_number()`,
  `create function app_user_callback_number() returns trigger language plpgsql as $$
   begin
     if new.role = 'agency' then
       new.callback_number := (select phone_on_file from agency where id = new.agency_id);
     end if;
     return new;
   end $$`,
  `create trigger app_user_callback_number before insert on app_user
     for each row execute function app_user_callback_number()`,
  // Rows from before: the number that was on file then, from the two-admin changes' history (the phone
  // only ever changes through them); an agency with no applied change keeps the number it has.
  `create function phone_on_file_at(of_agency uuid, at_time timestamptz) returns text language sql stable as $$
     select case
       when exists (select 1 from agency_change c
                     where c.agency_id = of_agency and c.kind = 'set_phone' and c.status = 'applied')
       then (select c.value from agency_change c
              where c.agency_id = of_agency and c.kind = 'set_phone' and c.status = 'applied' and c.decided_at <= at_time
              order by c.decided_at desc limit 1)
       else (select a.phone_on_file from agency a where a.id = of_agency)
     end
   $$`,
  `update request set callback_number = phone_on_file_at(agency_id, received_at) where process = 'emergency'`,
  `update app_user set callback_number = phone_on_file_at(agency_id, created_at) where role = 'agency'`,
  `drop function phone_on_file_at(uuid, timestamptz)`,

  // Counsel's look at a changed number: which of the two the call-back dials, and why. Good only for the
  // number it saw: a number changed again needs another look.
  `create table callback_number_review (
     id uuid primary key default gen_random_uuid(),
     subject_type text not null check (subject_type in ('user', 'request')),
     subject_id uuid not null,
     number_on_record text,
     number_on_file text,
     dial text not null check (dial in ('on_record', 'on_file')),
     note text not null check (length(note) between 1 and 2000),
     reviewed_by uuid not null references app_user (id),
     reviewed_at timestamptz not null
   )`,
  `create index callback_number_review_subject on callback_number_review (subject_type, subject_id, reviewed_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table callback_number_review`.execute(db);
  await sql`drop trigger app_user_callback_number on app_user`.execute(db);
  await sql`drop trigger request_callback_number on request`.execute(db);
  await sql`drop function app_user_callback_number()`.execute(db);
  await sql`drop function request_callback_number()`.execute(db);
  await sql`alter table app_user drop column callback_number`.execute(db);
  await sql`alter table request drop column callback_number`.execute(db);
}
