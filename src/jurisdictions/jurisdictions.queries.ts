import { sql } from "kysely";
import { authorize, type Principal } from "../authz/authz.js";
import type { Db } from "../db/database.js";
import { type CompiledPolicy, lookupJurisdiction } from "../policy/engine.js";
import { parsePolicyText } from "../policy/policy.load.js";
import {
  activePolicySummary,
  applyJurisdictionOverlay,
  latestJurisdictionStatuses,
  loadPolicyInForce,
} from "../policy/policy.store.js";
import { HOLDABLE } from "../requests/lifecycle.js";

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

/** "paused since 2020-07-06 by the policy (reason)", as a refusal tells it. */
export function describeStatus(j: ReturnType<typeof lookupJurisdiction>): string {
  const where =
    j.statusSource === `jurisdictions.${j.code}` ? "" : ` (through ${j.statusSource.replace("jurisdictions.", "")})`;
  return `${j.status}${where}${j.since ? ` since ${j.since}` : ""}${j.statusReason ? `: ${j.statusReason}` : ""}`;
}

/**
 * A refusal in force that a person may not lift by resuming: one the policy document makes, or one set on
 * the country for a subdivision. Lifting it means changing the policy (or resuming the country).
 */
export async function refusalNotLiftable(db: Db, policy: CompiledPolicy, code: string): Promise<string | undefined> {
  const inForce = lookupJurisdiction(policy, code);
  if (inForce.status !== "refused") return undefined;
  const own = inForce.statusSource === `jurisdictions.${code}`;
  const latest = await db
    .selectFrom("jurisdiction_status")
    .select("status")
    .where("jurisdiction", "=", code)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (own && latest?.status === "refused") return undefined;
  return `${code} is ${describeStatus(inForce)}, set by ${own ? "the policy in force" : "its country"}; a refusal is not resumed: change the policy to lift it`;
}

/**
 * Where one jurisdiction stands, for the page that confirms a pause or a resumption before it is made:
 * its status in force (a subdivision under its country's), what a pause or a resumption would refuse
 * (the same checks the service makes), and how many requests either would move.
 */
export interface JurisdictionStanding {
  code: string;
  status: "active" | "paused" | "refused";
  /** When it began (a day, or the moment a person paused it) and why, as the policy in force says. */
  since: string | undefined;
  reason: string | undefined;
  /** The country whose status a subdivision takes, when it is not the subdivision's own. */
  through: string | undefined;
  /** Why a pause would be refused (already paused or refused), if it would. */
  pauseRefused: string | undefined;
  /** Why a resumption would be refused (not paused; a refusal the policy makes), if it would. */
  resumeRefused: string | undefined;
  /** Requests not yet delivered that a pause puts on hold now. */
  open: number;
  /** Requests on hold that a resumption decides again. */
  held: number;
  policy: { name: string; version: string };
}

export async function jurisdictionStanding(db: Db, principal: Principal, code: string): Promise<JurisdictionStanding> {
  authorize(principal, "jurisdiction.read");
  const { compiled } = await loadPolicyInForce(db);
  const inForce = lookupJurisdiction(compiled, code);
  const counts = await sql<{ open: number; held: number }>`
      select count(*) filter (where status in (${sql.join([...HOLDABLE])}))::int as open,
             count(*) filter (where status = 'on_hold')::int as held
        from request where jurisdiction = ${code} or jurisdiction like ${`${code}-%`}`.execute(db);
  const row = counts.rows[0];
  const described = describeStatus(inForce);
  const source = inForce.statusSource.replace("jurisdictions.", "");
  return {
    code,
    status: inForce.status,
    since: inForce.since,
    reason: inForce.statusReason,
    through:
      source !== code && source !== "*" && inForce.statusSource.startsWith("jurisdictions.") ? source : undefined,
    // The service's own tests, in the same order (jurisdictions.service.ts).
    pauseRefused: inForce.status === "active" ? undefined : `${code} is already ${described}; nothing would change`,
    resumeRefused:
      inForce.status === "active"
        ? `${code} is not paused; there is nothing to resume`
        : await refusalNotLiftable(db, compiled, code),
    open: Number(row?.open ?? 0),
    held: Number(row?.held ?? 0),
    policy: { name: compiled.name, version: compiled.version },
  };
}
