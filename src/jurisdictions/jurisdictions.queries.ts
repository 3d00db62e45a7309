import { sql } from "kysely";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import { parsePolicyText } from "../policy/policy.load.js";
import { activePolicySummary, applyJurisdictionOverlay, latestJurisdictionStatuses } from "../policy/policy.store.js";

/**
 * What the desk is shown about jurisdictions: which are not simply active and why, and the pauses and
 * resumes people issued. The API (`GET /api/v1/jurisdictions`) and the admin page read through here.
 */

export interface JurisdictionChange {
  id: number;
  jurisdiction: string;
  status: string;
  reason: string;
  actor: string;
  changedAt: Date;
}

export interface JurisdictionInForce {
  code: string;
  status: string;
  reason: string;
  /** A person's pause (a moment) or the policy's `since` (a date, as the policy says it). */
  since: Date | string | undefined;
  /** Who set it: a person, or "policy NAME VERSION". */
  by: string;
  /** A refusal the policy makes is lifted by changing the policy, never by resuming (the service refuses it too). */
  resumable: boolean;
  /** Requests from it (or its subdivisions) on hold now. */
  held: number;
}

export interface JurisdictionBoard {
  notActive: JurisdictionInForce[];
  history: JurisdictionChange[];
}

/** Pauses and resumes issued by people, newest first. */
export async function jurisdictionHistory(db: Db, principal: Principal, limit: number): Promise<JurisdictionChange[]> {
  authorize(principal, "jurisdiction.read");
  const rows = await db.selectFrom("jurisdiction_status").selectAll().orderBy("id", "desc").limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    jurisdiction: r.jurisdiction,
    status: r.status,
    reason: r.reason,
    actor: r.actor,
    changedAt: r.changed_at,
  }));
}

/**
 * Every jurisdiction not simply active: the policy in force with people's latest pauses and resumes laid
 * over it (applyJurisdictionOverlay, as decisions see it), each with who set it and how many requests wait.
 */
export async function jurisdictionBoard(db: Db, principal: Principal, historyLimit = 200): Promise<JurisdictionBoard> {
  const history = await jurisdictionHistory(db, principal, historyLimit);
  const active = await activePolicySummary(db, principal);
  const overlay = await latestJurisdictionStatuses(db);
  const byPerson = new Map(overlay.map((row) => [row.jurisdiction, row]));
  const policy = active ? parsePolicyText(active.document, "policy") : undefined;
  const inForce = policy ? applyJurisdictionOverlay(policy, overlay).jurisdictions : {};
  const held = await sql<{ country: string; n: number }>`
      select split_part(jurisdiction, '-', 1) as country, count(*)::int as n
        from request where status = 'on_hold' group by 1`.execute(db);
  const heldBy = new Map(held.rows.map((r) => [r.country, Number(r.n)]));
  const codes = new Set([...Object.keys(inForce), ...byPerson.keys()]);
  const notActive: JurisdictionInForce[] = [];
  for (const code of codes) {
    if (code === "*") continue;
    const person = byPerson.get(code);
    const status = person?.status ?? inForce[code]?.status;
    if (!status || status === "active") continue;
    notActive.push(
      person
        ? { code, status, reason: person.reason, since: person.changed_at, by: person.actor, resumable: true, held: 0 }
        : {
            code,
            status,
            reason: inForce[code]?.reason ?? "",
            since: inForce[code]?.since,
            by: `policy ${active?.name} ${active?.version}`,
            resumable: status !== "refused",
            held: 0,
          },
    );
  }
  for (const row of notActive) row.held = heldBy.get(row.code) ?? 0;
  return { notActive, history };
}
