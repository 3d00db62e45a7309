import { targetKey } from "../domain/request.schema.js";
import { CATEGORIES, type Category } from "../domain/vocabulary.js";
import { admits, type PlannedItem, planCollection } from "./collection.js";
import type { FulfilOptions, FulfilResult, Started } from "./fulfilment.types.js";
import { csvField, type PackageBuilder } from "./package.builder.js";
import type { AccountRef, DataSource, SourceRecord } from "./sources/source.js";

/**
 * Collection: plan from the decision's `disclose` items and the policy in force (collection.ts), ask the
 * data source for each target's account and records, filter each record again, and spool each category
 * as JSON and CSV into the package being built.
 */

export interface TargetTally {
  target: string;
  position: number;
  account: AccountRef | undefined;
  records: number;
}

export async function collect(
  started: Started,
  source: DataSource,
  builder: PackageBuilder,
  onProgress: FulfilOptions["onProgress"],
): Promise<{
  tallies: TargetTally[];
  refused: FulfilResult["refused"];
  categories: Category[];
  counts: Record<string, number>;
}> {
  const plan = planCollection(started.request, started.items, started.compiled);
  const tallies = new Map<string, TargetTally>();
  for (const t of started.request.targets) {
    const key = targetKey(t);
    tallies.set(key, { target: key, position: t.position, account: await source.findAccount(t), records: 0 });
  }
  const byCategory = new Map<Category, PlannedItem[]>();
  for (const item of plan.items) byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
  const categories = CATEGORIES.filter((c) => byCategory.has(c));
  const counts: Record<string, number> = {};
  let done = 0;
  onProgress?.({ phase: "collect", done, total: plan.items.length });
  for (const category of categories) {
    const columns = source.columns(category) ?? [];
    const json = builder.spool(`data/${category}.json`);
    const csv = builder.spool(`data/${category}.csv`);
    await json.write(
      `{"category":${JSON.stringify(category)},"request":${JSON.stringify(started.request.reference)},` +
        `"columns":${JSON.stringify(["target", "account_id", "at", ...columns])},"records":[`,
    );
    await csv.write(`${["target", "account_id", "at", ...columns].map(csvField).join(",")}\r\n`);
    let count = 0;
    for (const item of byCategory.get(category) ?? []) {
      const tally = tallies.get(item.targetKey) as TargetTally;
      if (tally.account) {
        for await (const record of source.read(tally.account, category, item.period)) {
          if (!admits(item, record)) continue;
          const line = serializeRecord(item.targetKey, tally.account.id, columns, record);
          await json.write(`${count === 0 ? "\n" : ",\n"}${line.json}`);
          await csv.write(line.csv);
          count += 1;
          tally.records += 1;
        }
      }
      done += 1;
      onProgress?.({ phase: "collect", done, total: plan.items.length, detail: `${category} for ${item.targetKey}` });
    }
    await json.write(`${count === 0 ? "" : "\n"}]}\n`);
    builder.add(json, await json.close());
    builder.add(csv, await csv.close());
    counts[category] = count;
  }
  return { tallies: [...tallies.values()], refused: [...started.withheld, ...plan.refused], categories, counts };
}

/** One record as it appears in its category's files: a JSON object, and a CSV row with its line break. */
export function serializeRecord(
  target: string,
  accountId: string,
  columns: readonly string[],
  record: SourceRecord,
): { json: string; csv: string } {
  const at = record.at ? record.at.toISOString() : null;
  const values = columns.map((c) => record.fields[c] ?? null);
  const object: Record<string, unknown> = { target, account_id: accountId, at };
  columns.forEach((c, i) => {
    object[c] = values[i];
  });
  return {
    json: JSON.stringify(object),
    csv: `${[target, accountId, at, ...values].map(csvField).join(",")}\r\n`,
  };
}
