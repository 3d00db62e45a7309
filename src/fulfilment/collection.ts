import { type Target, targetKey } from "../domain/request.schema.js";
import type { Category } from "../domain/vocabulary.js";
import { isCategory } from "../domain/vocabulary.js";
import type { CompiledPolicy, DecisionItem } from "../policy/engine.js";
import { DAY_MS } from "../shared/time.js";
import type { Period, SourceRecord } from "./sources/source.js";

/**
 * What may leave, decided again here rather than trusted from upstream. The decision said `disclose`,
 * but collection checks on its own, against the request as stored and the policy in force *now*, that:
 *  - the item is a `disclose` item of the decision that was approved;
 *  - its target is one the request names and its category one the request asks for;
 *  - the policy in force holds the category (not absent from `dataMap`) and not only as `e2ee` ciphertext;
 *  - every record falls within the request's date range and the category's retention, and was made
 *    before the request arrived (a stored-records request is not a wiretap: nothing later is produced).
 * A policy changed between approval and fulfilment can only narrow what leaves, never widen it.
 */

export interface StoredRequest {
  reference: string;
  receivedAt: Date;
  categories: readonly string[];
  targets: ReadonlyArray<{ position: number } & Target>;
  /** `YYYY-MM-DD`, inclusive, or null when the request names no period. */
  dateFrom: string | null;
  dateTo: string | null;
}

export interface PlannedItem {
  position: number;
  target: Target;
  targetKey: string;
  category: Category;
  period: Period;
  /** Records without a time of their own (current attributes) are produced only for categories kept without a retention limit. */
  allowUndated: boolean;
}

export interface Refusal {
  target: string;
  category: string;
  reason: string;
}

export interface CollectionPlan {
  items: PlannedItem[];
  refused: Refusal[];
}

/** The period one category may be produced for: the request's range ∩ retention ∩ before receipt. */
export function periodFor(request: StoredRequest, retentionDays: number | undefined): Period {
  const received = request.receivedAt.getTime();
  let from = request.dateFrom ? Date.parse(`${request.dateFrom}T00:00:00Z`) : Number.NEGATIVE_INFINITY;
  if (retentionDays !== undefined) from = Math.max(from, received - retentionDays * DAY_MS);
  let to = received;
  if (request.dateTo) to = Math.min(to, Date.parse(`${request.dateTo}T00:00:00Z`) + DAY_MS);
  if (Number.isFinite(from) && from > to) from = to;
  return { from: Number.isFinite(from) ? new Date(from) : null, to: new Date(to) };
}

export function planCollection(
  request: StoredRequest,
  items: readonly unknown[],
  policy: CompiledPolicy,
): CollectionPlan {
  const targets = new Map(request.targets.map((t) => [targetKey(t), t]));
  const planned = new Map<string, PlannedItem>();
  const refused: Refusal[] = [];
  for (const raw of items) {
    const item = raw as Partial<DecisionItem>;
    if (item?.action !== "disclose") continue;
    const target = typeof item.target === "string" ? item.target : "";
    const category = typeof item.category === "string" ? item.category : "";
    const refuse = (reason: string) => refused.push({ target, category, reason });
    const named = targets.get(target);
    if (!named) {
      refuse("the request names no such target");
      continue;
    }
    if (!isCategory(category) || !request.categories.includes(category)) {
      refuse("the request does not ask for this category");
      continue;
    }
    const held = policy.dataMap[category];
    if (!held?.held) {
      refuse(`the policy in force (${policy.name} ${policy.version}) does not hold ${category}`);
      continue;
    }
    if (held.e2ee) {
      refuse(`${category} is held only end-to-end encrypted (policy ${policy.name} ${policy.version})`);
      continue;
    }
    const key = `${target}\u0000${category}`;
    if (planned.has(key)) continue;
    planned.set(key, {
      position: named.position,
      target: { type: named.type, value: named.value },
      targetKey: target,
      category,
      period: periodFor(request, held.retentionDays),
      allowUndated: held.retentionDays === undefined,
    });
  }
  return { items: [...planned.values()], refused };
}

/** Whether one record a source returned may be produced for this item: the last gate. */
export function admits(item: PlannedItem, record: SourceRecord): boolean {
  if (record.at === null) return item.allowUndated;
  if (!(record.at instanceof Date) || Number.isNaN(record.at.getTime())) return false;
  if (item.period.from && record.at < item.period.from) return false;
  return record.at < item.period.to;
}
