import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { z } from "zod";
import { categorySchema, jurisdictionSchema, processSchema } from "../domain/domain.schema.js";
import { formatPath, type Problem, ValidationError } from "../shared/validation.js";

/**
 * A ledger of past requests, as CSV, one row per request (README, "Importing a ledger"):
 *   reference,received_at,jurisdiction,agency,process,accounts_specified,categories,outcome
 * Every row is checked before anything is written; a bad row is reported by its line and field.
 */

export const LEDGER_COLUMNS = [
  "reference",
  "received_at",
  "jurisdiction",
  "agency",
  "process",
  "accounts_specified",
  "categories",
  "outcome",
] as const;

/**
 * The final outcomes a ledger may record. Open requests are not imported: they are still to be decided,
 * which needs their targets, so they go in through intake.
 */
export const LEDGER_OUTCOMES = ["produced", "rejected", "no_data", "preserved"] as const;
export type LedgerOutcome = (typeof LEDGER_OUTCOMES)[number];

const MAX_ROWS = 1_000_000;

const receivedAtSchema = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value), {
    error: "must be a date (2020-07-12, read as midnight UTC) or a date-time with a zone (2020-07-12T09:30:00Z)",
  })
  .transform((value, ctx) => {
    const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (Number.isNaN(date.getTime()) || (value.length === 10 && !date.toISOString().startsWith(value))) {
      ctx.addIssue({ code: "custom", message: "is not a date that exists" });
      return z.NEVER;
    }
    return date;
  });

export const ledgerRowSchema = z.strictObject({
  reference: z.string().min(1).max(128),
  received_at: receivedAtSchema,
  jurisdiction: jurisdictionSchema,
  agency: z.string().min(1).max(200),
  process: processSchema,
  accounts_specified: z
    .string()
    .regex(/^\d{1,7}$/, { error: "must be a whole number of accounts (0 to 9999999)" })
    .transform(Number),
  categories: z
    .string()
    .min(1)
    .transform((value) => value.split(";").map((c) => c.trim()))
    .pipe(z.array(categorySchema).min(1).max(15)),
  outcome: z.enum(LEDGER_OUTCOMES, {
    error: (issue) => `unknown outcome "${String(issue.input)}" (one of: ${LEDGER_OUTCOMES.join(", ")})`,
  }),
});

export type LedgerRow = z.output<typeof ledgerRowSchema> & { line: number; fields: Record<string, string> };

/**
 * A ledger's rows as they are read, each checked. The file is never held whole: csv-parse reads it as it
 * streams in. Once a row is bad no more rows are given out, but reading goes on to name up to 20 problems,
 * thrown together as one ValidationError (the caller's transaction, holding the rows given out so far, then
 * rolls back). Duplicate references are for the database to find (ledger.service.ts), which knows the rows
 * already stored too.
 */
export async function* readLedger(input: Readable, source: string): AsyncGenerator<LedgerRow> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => checkHeader(header, source),
    info: true,
    skip_empty_lines: true,
    trim: true,
  });
  const feeding = pipeline(input, parser);
  feeding.catch(() => {
    // Reported through the parser, which the loop below reads.
  });
  const problems: Problem[] = [];
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      rows += 1;
      if (rows > MAX_ROWS) {
        throw new ValidationError([{ path: "", message: `more than ${MAX_ROWS} rows; split the file` }], source);
      }
      const line = info.lines;
      const parsed = ledgerRowSchema.safeParse(record);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({ path: `line ${line}: ${formatPath(issue.path)}`, message: issue.message });
        }
        if (problems.length >= 20) break;
        continue;
      }
      if (problems.length === 0) yield { ...parsed.data, line, fields: record };
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const { lines, message } = error as { lines?: number; message: string };
    throw new ValidationError([{ path: lines ? `line ${lines}` : "", message: message.replace(/^.*?: /, "") }], source);
  } finally {
    parser.destroy();
  }
  if (problems.length > 0) throw new ValidationError(problems.slice(0, 20), source);
  if (rows === 0) throw new ValidationError([{ path: "", message: "no requests in the file" }], source);
}

function checkHeader(header: string[], source: string): string[] {
  const missing = LEDGER_COLUMNS.filter((c) => !header.includes(c));
  const unknown = header.filter((c) => !(LEDGER_COLUMNS as readonly string[]).includes(c));
  const problems: Problem[] = [
    ...missing.map((c) => ({ path: "line 1", message: `missing column "${c}"` })),
    ...unknown.map((c) => ({
      path: "line 1",
      message: `unknown column "${c}" (columns: ${LEDGER_COLUMNS.join(",")})`,
    })),
  ];
  if (problems.length > 0) throw new ValidationError(problems, source);
  return header;
}
