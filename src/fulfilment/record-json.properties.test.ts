import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordSerializer } from "./fulfilment.collect.js";
import { csvField } from "./package.builder.js";
import type { FieldValue, SourceRecord } from "./sources/source.js";

/**
 * A record's JSON is written without building an object (fulfilment.collect.ts), and must be the text
 * JSON.stringify gives for the object packaging used to build: any string (quotes, backslashes, control
 * characters, lone and paired surrogates, U+2028), any number, and columns that repeat, look like array
 * indices or share a name with target, account_id or at.
 */

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const text = fc.oneof(
  fc.string(),
  // Long enough to be handed to the file on its own (fulfilment.collect.ts), with and without escapes.
  fc.tuple(fc.string(), fc.string({ minLength: 300, maxLength: 600 })).map(([a, b]) => a + b),
  fc.string({ unit: anyCodeUnit }),
  fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u2028", "\ud83d", "\ude00", "é", "a") }),
);
const value: fc.Arbitrary<FieldValue> = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const column = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("at", "target", "account_id", "0", "7", "10", "x"),
);

/** What packaging wrote before: the object, then JSON.stringify. */
function asObject(target: string, accountId: string, columns: readonly string[], record: SourceRecord): string {
  const object: Record<string, unknown> = { target, account_id: accountId, at: record.at?.toISOString() ?? null };
  for (const c of columns) object[c] = record.fields[c] ?? null;
  return JSON.stringify(object);
}

describe("a record's JSON and CSV", () => {
  it("are the text JSON.stringify gives for the record's object, and its fields joined as CSV", () => {
    fc.assert(
      fc.property(
        text,
        text,
        fc.array(
          column.filter((c) => c !== "__proto__"),
          { maxLength: 6 },
        ),
        fc.option(fc.date({ min: new Date(0), max: new Date("2100-01-01"), noInvalidDate: true })),
        fc.array(value, { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        (target, accountId, columns, at, values, missing) => {
          const fields: Record<string, FieldValue> = {};
          columns.forEach((c, i) => {
            if (!(missing && i === 0)) fields[c] = values[i] ?? null;
          });
          const record = { at, fields };
          const { json, csv } = recordSerializer(columns)(target, accountId, record);
          expect(json).toBe(asObject(target, accountId, columns, record));
          const row = [target, accountId, at?.toISOString() ?? null, ...columns.map((c) => fields[c] ?? null)];
          expect(csv).toBe(`${row.map(csvField).join(",")}\r\n`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("writes a column named __proto__, which an object would have dropped", () => {
    // A source's row, as a driver parses it: __proto__ an own property.
    const fields = JSON.parse('{"__proto__":"kept"}') as Record<string, FieldValue>;
    const { json, csv } = recordSerializer(["__proto__"])("t", "a", { at: null, fields });
    expect(json).toBe('{"target":"t","account_id":"a","at":null,"__proto__":"kept"}');
    expect(csv).toBe("t,a,,kept\r\n");
  });
});
