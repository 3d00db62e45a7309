import { type Kysely, sql } from "kysely";

/**
 * Frozen once released (see 0001). The facts the DSA's report on orders to provide information needs
 * (Art. 15(1)(a), docs/reports.md#the-dsa-report), recorded as they happen instead of reconstructed:
 *  - `illegal_content_category`: the Implementing Regulation (EU) 2024/2835 template's category of illegal
 *    content (src/domain/dsa.ts), from the document, from an EU order's offence, or set by staff;
 *  - `receipt_confirmed_at`: when the authority was told of the order's receipt (Art. 10(1)): the portal's
 *    and the API's answer at intake, or recorded by staff for an order that came by post or e-mail;
 *  - `effect` and `effect_at`: when the order was given effect (`given`: delivered) or answered as not
 *    executed (`not_executed`: rejected), set by the trigger below on the first such move whatever code
 *    makes it, at the moment the move is dated (`updated_at`, which every transition writes).
 * Existing requests take what their history already says: the first delivery or rejection on the audit
 * trail, and for an officer's submission the moment it was written, which is when the portal answered.
 */

const CATEGORIES = [
  "STATEMENT_CATEGORY_ANIMAL_WELFARE",
  "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE",
  "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
  "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
  "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
  "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
  "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
  "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
  "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
  "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
  "STATEMENT_CATEGORY_SELF_HARM",
  "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
  "STATEMENT_CATEGORY_VIOLENCE",
  "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER",
];

const STATEMENTS = [
  `alter table request
     add column illegal_content_category text
       check (illegal_content_category in (${CATEGORIES.map((c) => `'${c}'`).join(", ")})),
     add column receipt_confirmed_at timestamptz,
     add column effect text check (effect in ('given', 'not_executed')),
     add column effect_at timestamptz,
     add constraint request_effect_moment check ((effect is null) = (effect_at is null))`,
  `create function request_effect() returns trigger language plpgsql as $$
   begin
     new.effect := case new.status when 'delivered' then 'given' else 'not_executed' end;
     new.effect_at := coalesce(new.updated_at, now());
     return new;
   end $$`,
  `create trigger request_effect before update of status on request for each row
     when (new.status in ('delivered', 'rejected') and old.effect is null and new.effect is null)
     execute function request_effect()`,
  `update request r set effect = case e.to_status when 'delivered' then 'given' else 'not_executed' end,
          effect_at = e.occurred_at
     from (select distinct on (object_id) object_id, payload->>'to' as to_status, occurred_at
             from audit_event
            where object_type = 'request' and action = 'request.transitioned'
              and payload->>'to' in ('delivered', 'rejected')
            order by object_id, id) e
    where e.object_id = r.id::text`,
  `update request r set receipt_confirmed_at = greatest(r.received_at, r.created_at)
     from app_user u where u.id = r.submitted_by and u.role = 'agency'`,
  // The DSA report reads one year of orders from Member States' authorities; the predicate is the one
  // src/reports/dsa.repository.ts writes, so the planner uses this index for it.
  `create index request_dsa_orders on request (received_at)
     where process <> 'preservation'
       and split_part(jurisdiction, '-', 1) in ('AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR',
         'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK')`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}
