/**
 * Jurisdictions are ISO 3166-1 alpha-2 country codes, optionally followed by a subdivision
 * (`US-CA`, ISO 3166-2 style) that falls back to its country wherever the subdivision has no rule.
 */

// The 249 officially assigned ISO 3166-1 alpha-2 codes, plus XK (Kosovo), which is user-assigned
// but is what Google, Apple and Microsoft use in their transparency reports.
const COUNTRY_CODES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV " +
    "BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET " +
    "FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM " +
    "IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD " +
    "ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE " +
    "PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST " +
    "SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS " +
    "XK YE YT ZA ZM ZW"
  ).split(" "),
);

const JURISDICTION_SHAPE = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/;

export type JurisdictionCheck = { ok: true } | { ok: false; problem: string };

export function checkJurisdiction(code: string): JurisdictionCheck {
  const match = JURISDICTION_SHAPE.exec(code);
  if (!match) return { ok: false, problem: `"${code}" is not an ISO 3166 code like "HK" or "US-CA"` };
  if (!COUNTRY_CODES.has(match[1] as string)) {
    return { ok: false, problem: `unknown country code "${match[1]}"` };
  }
  return { ok: true };
}

export function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.has(code);
}

/** `US-CA` → `US`; `HK` → `HK`. */
export function countryOf(jurisdiction: string): string {
  const dash = jurisdiction.indexOf("-");
  return dash < 0 ? jurisdiction : jurisdiction.slice(0, dash);
}

export function countryCodes(): string[] {
  return [...COUNTRY_CODES].sort();
}
