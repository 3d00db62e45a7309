import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). Intake's admission moves into the statement that writes the request.
 *
 * Before this, intake read the agency and the policy in force in one statement that also took the
 * jurisdiction's shared lock, then wrote in a second. But a statement's snapshot is taken before it
 * runs, so a pause that committed while the intake waited for the lock was invisible to it: the request
 * was decided under the old state and stored `received` in a paused jurisdiction, where the pause had
 * already held everything else. A VOLATILE PL/pgSQL function takes a fresh snapshot for each statement
 * it runs (READ COMMITTED), so `admit_request` reads after its lock is granted; called from the request
 * row's own VALUES it runs in the writing statement, holds the lock until that commits, and raises (the
 * whole statement undone) when anything the decision rested on is no longer so.
 */

// decision_in_force's work (0002): the newest decision's outcome onto its request.
const APPLY_NEWEST_OUTCOME = `update request r set decision_outcome = latest.outcome
  from (select distinct on (request_id) request_id, sequence, outcome from new_decisions
         order by request_id, sequence desc) latest
 where r.id = latest.request_id and r.decision_outcome is distinct from latest.outcome
   and not exists (select 1 from decision d where d.request_id = latest.request_id and d.sequence > latest.sequence);`;

const STATEMENTS = [
  // Intake takes a country's lock shared (intakes run side by side); pause and resume take it exclusively.
  `create function lock_jurisdiction_shared(country text) returns void language sql volatile as $$
     select pg_advisory_xact_lock_shared(1786082921, hashtext(country))
   $$`,
  `create function lock_jurisdiction_exclusive(country text) returns void language sql volatile as $$
     select pg_advisory_xact_lock(1786082921, hashtext(country))
   $$`,

  // Which (policy, overlay) pair is in force, as one key: the active policy's id and the newest status row
  // of each jurisdiction. Null when no policy is active. Compiled policies are cached under this key.
  `create function policy_in_force_key() returns text language sql stable as $$
     select (select id::text from policy_version where active) || ':' || coalesce(
       (select string_agg(id::text, ',' order by id)
          from (select distinct on (jurisdiction) id from jurisdiction_status order by jurisdiction, id desc) latest),
       '')
   $$`,

  // Returns the agency (the request row's agency_id) once everything intake decided on still holds.
  // SQLSTATEs: CU001 unknown agency, CU002 agency not active (detail: its status), CU003 jurisdiction
  // not the agency's own country (detail: the agency's), CU004 another policy in force (detail: its key).
  `create function admit_request(requesting_agency uuid, request_jurisdiction text, decided_under text, own_country_only boolean)
     returns uuid language plpgsql volatile as $$
   declare
     country text := split_part(request_jurisdiction, '-', 1);
     agency_status text;
     agency_jurisdiction text;
     in_force text;
   begin
     perform lock_jurisdiction_shared(country);
     select a.status, a.jurisdiction into agency_status, agency_jurisdiction from agency a where a.id = requesting_agency;
     if not found then
       raise exception 'agency % not found', requesting_agency using errcode = 'CU001';
     end if;
     if agency_status <> 'active' then
       raise exception 'agency % is %', requesting_agency, agency_status using errcode = 'CU002', detail = agency_status;
     end if;
     if own_country_only and split_part(agency_jurisdiction, '-', 1) <> country then
       raise exception 'agency % files under %', requesting_agency, agency_jurisdiction
         using errcode = 'CU003', detail = agency_jurisdiction;
     end if;
     in_force := policy_in_force_key();
     if in_force is distinct from decided_under then
       raise exception 'decided under %, in force %', decided_under, coalesce(in_force, 'none')
         using errcode = 'CU004', detail = coalesce(in_force, '');
     end if;
     return requesting_agency;
   end $$`,

  // A new decision is the one in force: copy its outcome onto the request (whose own trigger then moves
  // the rollup). Intake writes the outcome with the request; the check first keeps an UPDATE of no rows
  // (which still fires the rollup's statement trigger) off intake's path.
  `create or replace function decision_in_force() returns trigger language plpgsql as $$
   begin
     if exists (select 1 from new_decisions n join request r on r.id = n.request_id
                 where r.decision_outcome is distinct from n.outcome) then
       ${APPLY_NEWEST_OUTCOME}
     end if;
     return null;
   end $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create or replace function decision_in_force() returns trigger language plpgsql as $$
   begin
     ${APPLY_NEWEST_OUTCOME}
     return null;
   end $$`)
    .execute(db);
  for (const fn of [
    "admit_request(uuid, text, text, boolean)",
    "policy_in_force_key()",
    "lock_jurisdiction_exclusive(text)",
    "lock_jurisdiction_shared(text)",
  ]) {
    await sql.raw(`drop function ${fn}`).execute(db);
  }
}
