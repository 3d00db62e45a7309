import { parse } from "csv-parse/sync";
import { z } from "zod";
import { isCountryCode } from "../domain/jurisdictions.js";
import { APPLE_COUNTRIES } from "../reports/apple-countries.js";
import { type Period, periodSchema } from "../reports/period.js";
import { formatPath, ValidationError } from "../shared/validation.js";

/**
 * Apple's published government-request figures, 2019H1–2021H2 (data/apple-government-requests-2019-2021.csv,
 * from Apple's Transparency Report), the volumes the demo's history follows. Only the `account` and
 * `device` rows are used: requests about a user's account or a device, the kind this desk decides.
 */

// Apple's country names are the Apple layout's too (reports/report.layouts.ts): kept there, used here.
export { APPLE_COUNTRIES };

export interface AppleRow {
  period: Period;
  country: string;
  requestType: "account" | "device";
  requests: number;
  accounts: number;
  /** Requests for which Apple provided some data (for account rows: requests × the published percentage). */
  provided: number;
  /** Requests Apple challenged or rejected (published for account rows only). */
  rejected: number;
}

const count = z.string().regex(/^\d+$/).transform(Number);
const optionalCount = z.union([z.literal(""), count]).transform((v) => (v === "" ? undefined : v));
const percent = z
  .string()
  .regex(/^\d{1,3}(\.\d+)?$/)
  .transform(Number)
  .refine((v) => v <= 100);

const appleRowSchema = z.object({
  period: periodSchema,
  country: z.string().refine((name) => name in APPLE_COUNTRIES, { error: "no ISO code known for this country" }),
  request_type: z.string(),
  requests_received: count,
  items_specified: optionalCount,
  requests_data_provided: optionalCount,
  pct_data_provided: z.union([z.literal(""), percent]),
  requests_challenged_rejected: optionalCount,
});

export function parseAppleFigures(text: string, source = "apple-government-requests-2019-2021.csv"): AppleRow[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  const out: AppleRow[] = [];
  records.forEach((record, index) => {
    if (record.request_type !== "account" && record.request_type !== "device") return;
    const parsed = appleRowSchema.safeParse(record);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ path: `line ${index + 2}: ${formatPath(i.path)}`, message: i.message })),
        source,
      );
    }
    const row = parsed.data;
    const country = APPLE_COUNTRIES[row.country] as string;
    if (!isCountryCode(country)) throw new Error(`${source}: ${row.country} maps to ${country}, not an ISO code`);
    const provided =
      row.requests_data_provided ??
      (row.pct_data_provided === "" ? 0 : Math.round((row.requests_received * row.pct_data_provided) / 100));
    out.push({
      period: row.period,
      country,
      requestType: record.request_type,
      requests: row.requests_received,
      accounts: row.items_specified ?? row.requests_received,
      provided: Math.min(provided, row.requests_received),
      rejected: Math.min(
        row.requests_challenged_rejected ?? 0,
        row.requests_received - Math.min(provided, row.requests_received),
      ),
    });
  });
  return out;
}
