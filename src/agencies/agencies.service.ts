import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { domainProblem, lookalikeOf } from "../auth/domains.js";
import { checkSecondAdmin } from "../auth/second-admin.js";
import { authorize, type Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db } from "../db/database.js";
import { conflict, invalidTransition, notFound } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";

/**
 * Agencies and what vouches for them: verified e-mail domains and a phone number on file. One admin
 * proposes a change to either, a second admin applies it (second-admin.ts: not the proposer, active before
 * the proposal, not brought in by the proposer): a single hijacked admin account cannot point verification
 * at an attacker's domain or call-backs at an attacker's phone.
 */

export type AgencyChangeKind = "add_domain" | "remove_domain" | "set_phone";

const PHONE = /^\+[1-9][0-9]{6,14}$/;

export interface AgencyView {
  id: string;
  name: string;
  jurisdiction: string;
  status: string;
  phoneOnFile: string | null;
  domains: string[];
  pendingChanges: Array<{
    id: string;
    kind: AgencyChangeKind;
    value: string;
    proposedBy: string;
    proposedAt: string;
  }>;
  createdAt: string;
}

export async function createAgency(
  db: Db,
  admin: Principal | { email: string },
  input: { name: string; jurisdiction: string },
  now: Date,
): Promise<string> {
  return db.transaction().execute(async (tx) => {
    const { id } = await tx
      .insertInto("agency")
      .values({ name: input.name, jurisdiction: input.jurisdiction })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      { actor: admin.email, action: "agency.created", objectType: "agency", objectId: id, payload: input },
      now,
    );
    return id;
  });
}

function checkChange(kind: AgencyChangeKind, value: string, otherAgencyDomains: readonly string[]): void {
  if (kind === "set_phone") {
    if (!PHONE.test(value)) {
      throw new ValidationError([
        { path: "value", message: "must be a phone number in E.164 form, like +85228600000" },
      ]);
    }
    return;
  }
  const problem = domainProblem(value);
  if (problem === "non_ascii" || problem === "punycode") {
    throw new ValidationError([
      { path: "value", message: "a verified domain must be plain ASCII (no IDN or mixed script)" },
    ]);
  }
  if (problem) throw new ValidationError([{ path: "value", message: "is not a domain name" }]);
  const imitated = kind === "add_domain" ? lookalikeOf(value, otherAgencyDomains) : undefined;
  if (imitated) {
    throw new ValidationError([{ path: "value", message: `${value} looks like ${imitated}, another agency's domain` }]);
  }
}

export async function proposeAgencyChange(
  db: Db,
  admin: Principal,
  agencyId: string,
  input: { kind: AgencyChangeKind; value: string },
  now: Date,
): Promise<string> {
  const value = input.kind === "set_phone" ? input.value.trim() : input.value.trim().toLowerCase();
  return db.transaction().execute(async (tx) => {
    const agency = await tx.selectFrom("agency").select("id").where("id", "=", agencyId).executeTakeFirst();
    if (!agency) throw notFound(`agency ${agencyId}`);
    const domains = await tx.selectFrom("agency_domain").select(["domain", "agency_id"]).execute();
    checkChange(
      input.kind,
      value,
      domains.filter((d) => d.agency_id !== agencyId).map((d) => d.domain),
    );
    const owner = domains.find((d) => d.domain === value);
    if (input.kind === "add_domain" && owner) {
      throw conflict(
        owner.agency_id === agencyId ? `${value} is already verified` : `${value} is verified for another agency`,
      );
    }
    if (input.kind === "remove_domain" && owner?.agency_id !== agencyId) {
      throw notFound(`domain ${value} of agency ${agencyId}`);
    }
    const { id } = await tx
      .insertInto("agency_change")
      .values({ agency_id: agencyId, kind: input.kind, value, proposed_by: admin.userId, proposed_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor: admin.email,
        action: "agency.change_proposed",
        objectType: "agency_change",
        objectId: id,
        payload: { agencyId, kind: input.kind, value },
      },
      now,
    );
    return id;
  });
}

export async function decideAgencyChange(
  db: Db,
  admin: Principal,
  changeId: string,
  approve: boolean,
  now: Date,
): Promise<void> {
  const attempt = {
    actor: admin.email,
    objectType: "agency_change",
    objectId: changeId,
    attempted: approve ? "approve" : "reject",
  } as const;
  await auditingRefusals(db, attempt, now, () => decide(db, admin, changeId, approve, now));
}

async function decide(db: Db, admin: Principal, changeId: string, approve: boolean, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const change = await tx
      .selectFrom("agency_change")
      .selectAll()
      .where("id", "=", changeId)
      .forUpdate()
      .executeTakeFirst();
    if (!change) throw notFound(`agency change ${changeId}`);
    if (change.status !== "pending") throw invalidTransition(`agency change ${changeId} is already ${change.status}`);
    await checkSecondAdmin(
      tx,
      admin,
      { proposedBy: change.proposed_by, proposedAt: change.proposed_at },
      "a change to an agency's domains or phone",
    );
    await tx
      .updateTable("agency_change")
      .set({ status: approve ? "applied" : "rejected", decided_by: admin.userId, decided_at: now })
      .where("id", "=", changeId)
      .execute();
    if (approve) {
      if (change.kind === "add_domain") {
        const domains = await tx.selectFrom("agency_domain").select(["domain", "agency_id"]).execute();
        checkChange(
          "add_domain",
          change.value,
          domains.filter((d) => d.agency_id !== change.agency_id).map((d) => d.domain),
        );
        await tx
          .insertInto("agency_domain")
          .values({ agency_id: change.agency_id, domain: change.value, verified_at: now, verified_by: admin.email })
          .execute();
      } else if (change.kind === "remove_domain") {
        await tx
          .deleteFrom("agency_domain")
          .where("agency_id", "=", change.agency_id)
          .where("domain", "=", change.value)
          .execute();
      } else {
        await tx
          .updateTable("agency")
          .set({ phone_on_file: change.value })
          .where("id", "=", change.agency_id)
          .execute();
      }
    }
    await appendAudit(
      tx,
      {
        actor: admin.email,
        action: approve ? "agency.change_applied" : "agency.change_rejected",
        objectType: "agency_change",
        objectId: changeId,
        payload: { agencyId: change.agency_id, kind: change.kind, value: change.value, proposedBy: change.proposed_by },
      },
      now,
    );
  });
}

/** The agencies a principal may see: an officer their own, staff every one (the API and the pages). */
export async function listAgencies(db: Db, principal: Principal): Promise<AgencyView[]> {
  authorize(principal, "agency.read");
  return agencyViews(db, principal.role === "agency" ? (principal.agencyId ?? "none") : null);
}

async function agencyViews(db: Db, only: string | null): Promise<AgencyView[]> {
  let query = db.selectFrom("agency").selectAll();
  if (only) query = query.where("id", "=", only);
  const agencies = await query.orderBy("name").execute();
  if (agencies.length === 0) return [];
  const ids = agencies.map((a) => a.id);
  const domains = await db.selectFrom("agency_domain").selectAll().where("agency_id", "in", ids).execute();
  const changes = await db
    .selectFrom("agency_change as c")
    .innerJoin("app_user as u", "u.id", "c.proposed_by")
    .select(["c.id", "c.agency_id", "c.kind", "c.value", "c.proposed_at", "u.email"])
    .where("c.status", "=", "pending")
    .where("c.agency_id", "in", ids)
    .orderBy("c.proposed_at")
    .execute();
  return agencies.map((agency) => ({
    id: agency.id,
    name: agency.name,
    jurisdiction: agency.jurisdiction,
    status: agency.status,
    phoneOnFile: agency.phone_on_file,
    domains: domains
      .filter((d) => d.agency_id === agency.id)
      .map((d) => d.domain)
      .sort(),
    pendingChanges: changes
      .filter((c) => c.agency_id === agency.id)
      .map((c) => ({
        id: c.id,
        kind: c.kind,
        value: c.value,
        proposedBy: c.email,
        proposedAt: c.proposed_at.toISOString(),
      })),
    createdAt: agency.created_at.toISOString(),
  }));
}

export async function getAgency(db: Db, principal: Principal, agencyId: string): Promise<AgencyView> {
  authorize(principal, "agency.read", { agencyId }, `agency ${agencyId}`);
  const [agency] = await agencyViews(db, agencyId);
  if (!agency) throw notFound(`agency ${agencyId}`);
  return agency;
}

/**
 * A change waiting for its second admin, as the page that asks them to confirm it shows it: the agency as
 * it stands, the change, and for a domain's removal how many of the agency's officers (not suspended) are
 * registered with an address at that domain (they keep their accounts: signing in never asks the domain).
 */
export async function agencyChangePreview(
  db: Db,
  admin: Principal,
  changeId: string,
): Promise<{ agency: AgencyView; change: AgencyView["pendingChanges"][number]; officersAtDomain: number }> {
  authorize(admin, "agency.manage");
  const agencies = await agencyViews(db, null);
  for (const agency of agencies) {
    const change = agency.pendingChanges.find((c) => c.id === changeId);
    if (!change) continue;
    let officersAtDomain = 0;
    if (change.kind === "remove_domain") {
      const { n } = await db
        .selectFrom("app_user")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("agency_id", "=", agency.id)
        .where("role", "=", "agency")
        .where("status", "!=", "suspended")
        .where(sql<string>`lower(email)`, "like", `%@${change.value.toLowerCase().replace(/[\\%_]/g, "\\$&")}`)
        .executeTakeFirstOrThrow();
      officersAtDomain = Number(n);
    }
    return { agency, change, officersAtDomain };
  }
  throw notFound(`pending agency change ${changeId}`);
}
