import { parse } from "csv-parse/sync";
import { z } from "zod";
import { isCountryCode } from "../domain/jurisdictions.js";
import { type Period, periodSchema } from "../reports/period.js";
import { formatPath, ValidationError } from "../shared/validation.js";

/**
 * Apple's published government-request figures, 2019H1–2021H2 (data/apple-government-requests-2019-2021.csv,
 * from Apple's Transparency Report), the volumes the demo's history follows. Only the `account` and
 * `device` rows are used: requests about a user's account or a device, the kind this desk decides.
 */

/** Apple's country names → ISO 3166-1 alpha-2, as the report publishes them. */
export const APPLE_COUNTRIES: Record<string, string> = {
  Andorra: "AD",
  Argentina: "AR",
  Armenia: "AM",
  Australia: "AU",
  Austria: "AT",
  Belarus: "BY",
  Belgium: "BE",
  Brazil: "BR",
  Bulgaria: "BG",
  Canada: "CA",
  Chile: "CL",
  "China mainland": "CN",
  Colombia: "CO",
  "Costa Rica": "CR",
  Croatia: "HR",
  Cyprus: "CY",
  "Czech Republic": "CZ",
  Denmark: "DK",
  Ecuador: "EC",
  Estonia: "EE",
  Finland: "FI",
  France: "FR",
  Georgia: "GE",
  Germany: "DE",
  Greece: "GR",
  Guatemala: "GT",
  "Hong Kong": "HK",
  Hungary: "HU",
  Iceland: "IS",
  India: "IN",
  Indonesia: "ID",
  Iran: "IR",
  Iraq: "IQ",
  Ireland: "IE",
  Israel: "IL",
  Italy: "IT",
  Japan: "JP",
  Kenya: "KE",
  Kosovo: "XK",
  Kuwait: "KW",
  Latvia: "LV",
  Liechtenstein: "LI",
  Lithuania: "LT",
  Luxembourg: "LU",
  Macau: "MO",
  Malaysia: "MY",
  Malta: "MT",
  Mexico: "MX",
  Moldova: "MD",
  Monaco: "MC",
  Netherlands: "NL",
  "New Zealand": "NZ",
  Nigeria: "NG",
  "North Macedonia": "MK",
  Norway: "NO",
  Pakistan: "PK",
  Panama: "PA",
  Paraguay: "PY",
  Peru: "PE",
  Philippines: "PH",
  Poland: "PL",
  Portugal: "PT",
  Qatar: "QA",
  Romania: "RO",
  Russia: "RU",
  Serbia: "RS",
  Singapore: "SG",
  Slovakia: "SK",
  Slovenia: "SI",
  "South Africa": "ZA",
  "South Korea": "KR",
  Spain: "ES",
  Sweden: "SE",
  Switzerland: "CH",
  Taiwan: "TW",
  Thailand: "TH",
  "Trinidad and Tobago": "TT",
  Türkiye: "TR",
  Ukraine: "UA",
  "United Arab Emirates": "AE",
  "United Kingdom": "GB",
  "United States of America": "US",
  Vietnam: "VN",
};

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
