import type { Db } from "../db/database.js";
import type { Status } from "../domain/vocabulary.js";
import { loadDecisionInputs } from "../requests/decisions.repository.js";
import { compilePolicy, type Decision, decide } from "./engine.js";
import { parsePolicyText } from "./policy.load.js";
import { applyJurisdictionOverlay, latestJurisdictionStatuses } from "./policy.store.js";

/**
 * Before a policy is activated: would any open request be decided differently? Each open request is
 * decided again with the pure engine under the candidate (with the pauses people issued laid over it,
 * as they would be once it is in force) and compared with the decision in force. Nothing is written.
 */

/** Requests whose decision can still change what happens to them. */
export const UNDECIDED: readonly Status[] = ["received", "verifying", "under_review", "approved", "on_hold"];

export interface PreviewChange {
  requestId: string;
  reference: string;
  jurisdiction: string;
  process: string;
  status: string;
  before: string;
  after: string;
  /** Items whose action changes, as `target category: withhold → disclose`. */
  items: string[];
}

export interface PolicyPreview {
  name: string;
  version: string;
  compared: number;
  changes: PreviewChange[];
}

const BATCH = 500;

export async function previewPolicy(db: Db, text: string): Promise<PolicyPreview> {
  const candidate = parsePolicyText(text, "policy");
  return db.transaction().execute(async (tx) => {
    const overlay = await latestJurisdictionStatuses(tx);
    const compiled = compilePolicy(applyJurisdictionOverlay(candidate, overlay));
    const open = await tx
      .selectFrom("request")
      .select(["id", "reference", "jurisdiction", "process", "status"])
      .where("status", "in", [...UNDECIDED])
      .orderBy("id")
      .execute();
    const changes: PreviewChange[] = [];
    for (let i = 0; i < open.length; i += BATCH) {
      const batch = open.slice(i, i + BATCH);
      const inputs = await loadDecisionInputs(
        tx,
        batch.map((r) => r.id),
      );
      // The decision in force is each request's newest one: one query per batch, not one per request.
      const decisions = await tx
        .selectFrom("decision")
        .select(["request_id", "outcome", "items"])
        .distinctOn("request_id")
        .where(
          "request_id",
          "in",
          batch.map((r) => r.id),
        )
        .orderBy("request_id")
        .orderBy("sequence", "desc")
        .execute();
      const inForce = new Map(decisions.map((d) => [d.request_id, d]));
      for (const request of batch) {
        const input = inputs.get(request.id);
        const current = inForce.get(request.id);
        if (!input || !current) continue;
        const next = decide(input, compiled);
        const items = changedItems(current.items as Decision["items"], next.items);
        if (current.outcome !== next.outcome || items.length > 0) {
          changes.push({
            requestId: request.id,
            reference: request.reference,
            jurisdiction: request.jurisdiction,
            process: request.process,
            status: request.status,
            before: current.outcome,
            after: next.outcome,
            items,
          });
        }
      }
    }
    return { name: candidate.name, version: candidate.version, compared: open.length, changes };
  });
}

function changedItems(before: Decision["items"], after: Decision["items"]): string[] {
  const was = new Map(before.map((item) => [`${item.target} ${item.category}`, item.action]));
  return after.flatMap((item) => {
    const key = `${item.target} ${item.category}`;
    const old = was.get(key);
    return old !== item.action ? [`${key}: ${old ?? "—"} → ${item.action}`] : [];
  });
}
