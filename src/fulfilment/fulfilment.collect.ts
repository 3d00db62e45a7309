import { targetKey } from "../domain/request.schema.js";
import { CATEGORIES, type Category } from "../domain/vocabulary.js";
import { admits, type PlannedItem, planCollection } from "./collection.js";
import type { FulfilOptions, FulfilResult, Started } from "./fulfilment.types.js";
import { csvField, type FileWriter, type PackageBuilder } from "./package.builder.js";
import type { AccountRef, DataSource, SourceRecord } from "./sources/source.js";

/**
 * Collection: plan from the decision's `disclose` items and the policy in force (collection.ts), ask the
 * data source for each target's account and records, filter each record again, and write each category
 * as JSON and CSV into the package being built. This is the first of the two reads package.builder.ts
 * explains: it measures each file, and leaves the builder a way to write the same bytes again from a
 * second read of the same records (the accounts found now, the same plan, the same filter).
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
    const items = byCategory.get(category) ?? [];
    // One category's records, read from the source and written to whichever of its two files are given.
    const write = (files: { json?: FileWriter; csv?: FileWriter }, onItem?: (item: PlannedItem) => void) =>
      writeCategory(source, started.request.reference, category, columns, items, tallies, files, onItem);
    const json = builder.measure(`data/${category}.json`);
    const csv = builder.measure(`data/${category}.csv`);
    counts[category] = await write({ json, csv }, (item) => {
      done += 1;
      onProgress?.({ phase: "collect", done, total: plan.items.length, detail: `${category} for ${item.targetKey}` });
    });
    builder.add(await json.measured(), (writer) => write({ json: writer }).then(() => undefined));
    builder.add(await csv.measured(), (writer) => write({ csv: writer }).then(() => undefined));
  }
  return { tallies: [...tallies.values()], refused: [...started.withheld, ...plan.refused], categories, counts };
}

/**
 * One category's JSON and CSV (either or both), from the source's records for each planned item. The
 * first read counts each target's records into its tally (`onItem` given); a second writes bytes only.
 */
async function writeCategory(
  source: DataSource,
  reference: string,
  category: Category,
  columns: readonly string[],
  items: readonly PlannedItem[],
  tallies: ReadonlyMap<string, TargetTally>,
  files: { json?: FileWriter; csv?: FileWriter },
  onItem?: (item: PlannedItem) => void,
): Promise<number> {
  const { json, csv } = files;
  const header = ["target", "account_id", "at", ...columns];
  const recordJson = recordJsonWriter(columns);
  const appendJson = json && ((text: string) => json.append(text));
  const appendCsv = csv && ((text: string) => csv.append(text));
  await json?.write(
    `{"category":${JSON.stringify(category)},"request":${JSON.stringify(reference)},` +
      `"columns":${JSON.stringify(header)},"records":[`,
  );
  await csv?.write(`${header.map(csvField).join(",")}\r\n`);
  let count = 0;
  for (const item of items) {
    const tally = tallies.get(item.targetKey) as TargetTally;
    if (tally.account) {
      for await (const record of source.read(tally.account, category, item.period)) {
        if (!admits(item, record)) continue;
        if (json && appendJson) {
          json.append(count === 0 ? "\n" : ",\n");
          recordJson(appendJson, item.targetKey, tally.account.id, record);
          await json.drain();
        }
        if (csv && appendCsv) {
          recordCsv(appendCsv, item.targetKey, tally.account.id, columns, record);
          await csv.drain();
        }
        count += 1;
        if (onItem) tally.records += 1;
      }
    }
    onItem?.(item);
  }
  await json?.write(`${count === 0 ? "" : "\n"}]}\n`);
  return count;
}

/** A category's records as they appear in its files: a JSON object, and a CSV row with its line break. */
export function recordSerializer(columns: readonly string[]) {
  const json = recordJsonWriter(columns);
  return (target: string, accountId: string, record: SourceRecord): { json: string; csv: string } => {
    const parts: { json: string[]; csv: string[] } = { json: [], csv: [] };
    json((text) => parts.json.push(text), target, accountId, record);
    recordCsv((text) => parts.csv.push(text), target, accountId, columns, record);
    return { json: parts.json.join(""), csv: parts.csv.join("") };
  };
}

/**
 * Values this long are handed to the file on their own, straight from the source's string, rather than
 * joined into the record's text: joining builds, then flattens, a string of the whole record, garbage that
 * outlives enough of V8's young-generation collections to be promoted, and sets how large the heap grows.
 */
const LONG_VALUE = 256;

type Append = (text: string) => void;

// What JSON.stringify escapes in a string: the quote, the backslash, control characters, and a lone surrogate
// (a pair is written as it is, so a string holding any surrogate takes the slow path, which is still exact).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonValue(value: unknown): string {
  return typeof value === "string" && !ESCAPED.test(value) ? `"${value}"` : (JSON.stringify(value ?? null) as string);
}

/**
 * A category's records as JSON objects: `target`, `account_id`, `at`, then its columns, exactly as
 * JSON.stringify would write the object holding them (its key order, a column named like an earlier key
 * taking that key's place), but without building the object (record-json.properties.test.ts). JSON.stringify scans a long string at about
 * a third of the speed of a regular expression's test for anything it would escape, and packaging
 * serializes every record twice: this is the largest single cost of a production of large posts.
 */
function recordJsonWriter(columns: readonly string[]) {
  type Value = (target: string, accountId: string, record: SourceRecord) => unknown;
  // Key order, and which value fills each key, from an object built as the record's would be: the
  // engine's own rules (integer-like keys first, a repeated key keeping its first place, the last value).
  // Without a prototype, so that a column named __proto__ is written like any other, as in the CSV.
  const values: Record<string, Value> = Object.create(null);
  values.target = (target) => target;
  values.account_id = (_, accountId) => accountId;
  values.at = (_, __, record) => (record.at ? record.at.toISOString() : null);
  for (const column of columns) values[column] = (_, __, record) => record.fields[column];
  const plan = Object.entries(values).map(([key, value], i) => ({
    prefix: `${i === 0 ? "{" : ","}${JSON.stringify(key)}:`,
    value,
  }));
  return (append: Append, target: string, accountId: string, record: SourceRecord): void => {
    let text = "";
    for (const { prefix, value } of plan) {
      const v = value(target, accountId, record);
      if (typeof v === "string" && v.length > LONG_VALUE && !ESCAPED.test(v)) {
        append(`${text}${prefix}"`);
        append(v);
        text = '"';
      } else {
        text += prefix + jsonValue(v);
      }
    }
    append(`${text}}`);
  };
}

/**
 * A number as String() writes it, but not through V8's number-to-string cache: that cache, a table in the
 * old generation, keeps each string it makes in one of its 16,384 slots until another number converted
 * (anywhere in the process) takes the slot, which for ids counted upwards is 16,384 records later: long
 * enough to outlive two young-generation collections and be promoted. A column of such ids then filled the
 * old generation with dead strings as fast as records were written (about a megabyte a second), and the
 * heap grew until its first full collection: a production's peak memory grew with its size.
 * JSON.stringify writes the same text for any finite number, and keeps nothing.
 */
function numberText(value: number): string {
  return Number.isFinite(value) ? (JSON.stringify(value) as string) : String(value);
}

function recordCsv(
  append: Append,
  target: string,
  accountId: string,
  columns: readonly string[],
  record: SourceRecord,
) {
  let text = `${csvField(target)},${csvField(accountId)},${csvField(record.at ? record.at.toISOString() : null)}`;
  for (const column of columns) {
    const value = record.fields[column] ?? null;
    const field = typeof value === "number" ? numberText(value) : csvField(value);
    // An unquoted string is the value itself: handed on as it is.
    if (field === value && field.length > LONG_VALUE) {
      append(`${text},`);
      append(field);
      text = "";
    } else {
      text += `,${field}`;
    }
  }
  append(`${text}\r\n`);
}
