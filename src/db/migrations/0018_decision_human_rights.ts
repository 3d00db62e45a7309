import { type Kysely, sql } from "kysely";
import { parse } from "yaml";

/**
 * Frozen once released (see 0001). Whether the jurisdiction was on the human-rights review list of the
 * policy that made a decision becomes a fact of the decision, as its reasons are, so the desk shows what
 * the deciding policy said instead of looking the jurisdiction up again in whatever policy is in force now.
 *
 * Decisions made before this migration are filled in from the policy text they name (every version is
 * kept): its `humanRightsReview` list, a country's entry covering its subdivisions as the engine reads it.
 * Decisions naming no stored policy (a ledger's imported rows) stay false: nothing recorded says otherwise.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table decision add column human_rights_review boolean not null default false`.execute(db);
  const versions = await sql<{ name: string; version: string; document: string }>`
    select name, version, document from policy_version`.execute(db);
  for (const policy of versions.rows) {
    const listed = reviewList(policy.document);
    if (listed.length === 0) continue;
    await sql`
      update decision d set human_rights_review = true
        from request r
       where d.request_id = r.id and d.policy_name = ${policy.name} and d.policy_version = ${policy.version}
         and (r.jurisdiction = any(${listed}::text[]) or split_part(r.jurisdiction, '-', 1) = any(${listed}::text[]))`.execute(
      db,
    );
  }
}

/** The policy's `humanRightsReview` codes; a text this migration cannot read lists none. */
function reviewList(document: string): string[] {
  try {
    const doc = parse(document) as { humanRightsReview?: unknown } | null;
    const list = doc?.humanRightsReview;
    return Array.isArray(list) ? list.filter((code): code is string => typeof code === "string") : [];
  } catch {
    return [];
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table decision drop column human_rights_review`.execute(db);
}
