import { countryOf } from "../domain/jurisdictions.js";

/**
 * The time zone a jurisdiction's officers keep, for showing a deadline as they will read it. Countries
 * with several zones are given their capital's (or the main one for a known subdivision); anything not
 * listed is shown in UTC, and the viewer's own zone is always shown first.
 */
const ZONES: Record<string, string> = {
  US: "America/New_York",
  "US-CA": "America/Los_Angeles",
  "US-WA": "America/Los_Angeles",
  "US-OR": "America/Los_Angeles",
  "US-NV": "America/Los_Angeles",
  "US-TX": "America/Chicago",
  "US-IL": "America/Chicago",
  "US-CO": "America/Denver",
  "US-AZ": "America/Phoenix",
  "US-HI": "Pacific/Honolulu",
  "US-AK": "America/Anchorage",
  CA: "America/Toronto",
  MX: "America/Mexico_City",
  BR: "America/Sao_Paulo",
  AR: "America/Argentina/Buenos_Aires",
  GB: "Europe/London",
  IE: "Europe/Dublin",
  FR: "Europe/Paris",
  DE: "Europe/Berlin",
  NL: "Europe/Amsterdam",
  BE: "Europe/Brussels",
  ES: "Europe/Madrid",
  IT: "Europe/Rome",
  PL: "Europe/Warsaw",
  SE: "Europe/Stockholm",
  CH: "Europe/Zurich",
  AT: "Europe/Vienna",
  TR: "Europe/Istanbul",
  RU: "Europe/Moscow",
  BY: "Europe/Minsk",
  UA: "Europe/Kyiv",
  IL: "Asia/Jerusalem",
  EG: "Africa/Cairo",
  SA: "Asia/Riyadh",
  AE: "Asia/Dubai",
  IR: "Asia/Tehran",
  IN: "Asia/Kolkata",
  PK: "Asia/Karachi",
  CN: "Asia/Shanghai",
  HK: "Asia/Hong_Kong",
  TW: "Asia/Taipei",
  SG: "Asia/Singapore",
  JP: "Asia/Tokyo",
  KR: "Asia/Seoul",
  AU: "Australia/Sydney",
  NZ: "Pacific/Auckland",
  ZA: "Africa/Johannesburg",
  NG: "Africa/Lagos",
  KE: "Africa/Nairobi",
};

export function zoneOf(jurisdiction: string): string {
  return ZONES[jurisdiction] ?? ZONES[countryOf(jurisdiction)] ?? "UTC";
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** `12 Jul 2020, 17:30 GMT+8` in the given zone. */
export function formatInZone(at: Date, zone: string): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    });
    formats.set(zone, format);
  }
  return format.format(at);
}

const days = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** `6 Jul 2020`, the pages' one way of writing a day (a policy's `since`, a date without a time). */
export function formatDay(day: string | Date): string {
  return days.format(typeof day === "string" ? new Date(`${day.slice(0, 10)}T00:00:00Z`) : day);
}
