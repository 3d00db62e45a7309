import { sql } from "kysely";
import { appendAudit } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import { actorOf, authorize, authorizeCaller, type Caller, type Principal } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import { conflict, notFound } from "../shared/errors.js";
import { type CompiledPolicy, compilePolicy } from "./engine.js";
import { parsePolicyText } from "./policy.load.js";
import type { JurisdictionStatus, PolicyDocument } from "./policy.schema.js";

/**
 * The policy in force: the active policy version, with the jurisdiction pauses and resumes people have
 * issued since laid over its `jurisdictions`. Decisions are always made against this.
 */

export interface ActivePolicy {
  id: string;
  /** The (policy, overlay) pair this was compiled from, as `policy_in_force_key()` names it. */
  key: string;
  compiled: CompiledPolicy;
}

export async function activatePolicy(
  tx: Tx,
  text: string,
  by: Caller,
  now: Date,
  source = "policy",
): Promise<{ id: string; name: string; version: string; created: boolean }> {
  authorizeCaller(by, "policy.activate");
  const actor = actorOf(by);
  const doc = parsePolicyText(text, source);
  const sha256 = sha256Hex(text);
  const existing = await tx
    .selectFrom("policy_version")
    .select(["id", "sha256", "active"])
    .where("name", "=", doc.name)
    .where("version", "=", doc.version)
    .forUpdate()
    .executeTakeFirst();
  if (existing && existing.sha256 !== sha256) {
    throw conflict(
      `policy ${doc.name} version ${doc.version} already exists with different content; give it a new version`,
    );
  }
  if (existing?.active) return { id: existing.id, name: doc.name, version: doc.version, created: false };
  await tx.updateTable("policy_version").set({ active: false }).where("active", "=", true).execute();
  let id = existing?.id;
  if (id) {
    await tx.updateTable("policy_version").set({ active: true, activated_at: now }).where("id", "=", id).execute();
  } else {
    ({ id } = await tx
      .insertInto("policy_version")
      .values({ name: doc.name, version: doc.version, document: text, sha256, active: true, activated_at: now })
      .returning("id")
      .executeTakeFirstOrThrow());
  }
  await appendAudit(
    tx,
    {
      actor,
      action: "policy.activated",
      objectType: "policy",
      objectId: id,
      payload: { name: doc.name, version: doc.version, sha256 },
    },
    now,
  );
  return { id, name: doc.name, version: doc.version, created: !existing };
}

/** The active policy version as people are shown it (the desk's policy page and `GET /api/v1/policy`). */
export interface PolicySummary {
  id: string;
  name: string;
  version: string;
  sha256: string;
  activatedAt: Date | null;
  /** The document as it was activated, byte for byte. */
  document: string;
}

export async function activePolicySummary(db: Db | Tx, principal: Principal): Promise<PolicySummary | undefined> {
  authorize(principal, "policy.read");
  const active = await db
    .selectFrom("policy_version")
    .select(["id", "name", "version", "document", "sha256", "activated_at"])
    .where("active", "=", true)
    .executeTakeFirst();
  return active
    ? {
        id: active.id,
        name: active.name,
        version: active.version,
        sha256: active.sha256,
        activatedAt: active.activated_at,
        document: active.document,
      }
    : undefined;
}

/** Each jurisdiction's latest pause or resume issued by a person: the overlay `policy_in_force_key()` names. */
export async function latestJurisdictionStatuses(db: Db | Tx) {
  return db
    .selectFrom("jurisdiction_status")
    .select(["id", "jurisdiction", "status", "reason", "actor", "changed_at"])
    .where("id", "in", (eb) =>
      eb
        .selectFrom("jurisdiction_status")
        .select((e) => e.fn.max("id").as("id"))
        .groupBy("jurisdiction"),
    )
    .orderBy("id")
    .execute();
}

interface OverlayRow {
  id: number;
  jurisdiction: string;
  status: JurisdictionStatus;
  reason: string;
  changed_at: Date;
}

export function applyJurisdictionOverlay(doc: PolicyDocument, overlay: readonly OverlayRow[]): PolicyDocument {
  if (overlay.length === 0) return doc;
  const jurisdictions = { ...doc.jurisdictions };
  for (const row of overlay) {
    jurisdictions[row.jurisdiction] = {
      ...jurisdictions[row.jurisdiction],
      status: row.status,
      since: row.changed_at.toISOString().slice(0, 10),
      reason: row.reason,
    };
  }
  return { ...doc, jurisdictions };
}

// Compiling resolves every jurisdiction, a few milliseconds: done once per (policy, overlay) pair.
const compiledCache = new Map<string, CompiledPolicy>();

/** A policy compiled earlier in this process, by its key; no I/O, and nothing said about being in force. */
export function cachedPolicy(key: string): ActivePolicy | undefined {
  const compiled = compiledCache.get(key);
  return compiled ? { id: key.slice(0, key.indexOf(":")), key, compiled } : undefined;
}

async function policyInForceKey(db: Db): Promise<string | null> {
  const result = await sql<{ key: string | null }>`select policy_in_force_key() as key`.execute(db);
  return result.rows[0]?.key ?? null;
}

/** The policy in force, or null in a store where none was ever activated: for readers that show, not decide. */
export async function policyInForceOrNone(db: Db): Promise<ActivePolicy | null> {
  const key = await policyInForceKey(db);
  return key ? loadPolicyInForce(db, key) : null;
}

/**
 * Load the policy in force, compiled. `known` is the key of the (policy, overlay) pair in force
 * (`policy_in_force_key()`, migration 0006) when the caller already read it; intake runs this on every
 * request, so the document and the overlay rows are read and compiled only for a pair not seen before.
 */
export async function loadPolicyInForce(db: Db, known?: string | null): Promise<ActivePolicy> {
  const key = known === undefined ? await policyInForceKey(db) : known;
  if (!key) throw notFound("active policy (activate one with `custodian policy activate FILE`)");
  const [policyId, overlayIds] = key.split(":") as [string, string];
  const cached = cachedPolicy(key);
  if (cached) return cached;

  const active = await db
    .selectFrom("policy_version")
    .select(["id", "name", "version", "document"])
    .where("id", "=", policyId)
    .executeTakeFirstOrThrow();
  const ids = overlayIds ? overlayIds.split(",").map(Number) : [];
  const overlay =
    ids.length === 0
      ? []
      : await db
          .selectFrom("jurisdiction_status")
          .select(["id", "jurisdiction", "status", "reason", "changed_at"])
          .where("id", "in", ids)
          .orderBy("id")
          .execute();
  const doc = applyJurisdictionOverlay(
    parsePolicyText(active.document, `policy ${active.name} ${active.version}`),
    overlay,
  );
  const compiled = compilePolicy(doc);
  if (compiledCache.size > 16) compiledCache.clear();
  compiledCache.set(key, compiled);
  return { id: active.id, key, compiled };
}
