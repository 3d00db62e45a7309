/**
 * English country names for published reports, from the ICU data Node ships (Intl.DisplayNames), with
 * the names transparency reports use where ICU's differ ("Hong Kong SAR China" → "Hong Kong").
 */
const OVERRIDES: Record<string, string> = {
  HK: "Hong Kong",
  MO: "Macau",
  XK: "Kosovo",
  PS: "Palestine",
};

const names = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });

export function countryName(code: string): string {
  return OVERRIDES[code] ?? names.of(code) ?? code;
}
