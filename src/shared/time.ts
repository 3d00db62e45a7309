/** Milliseconds in a day: deadlines, retention and notice delays are counted in whole UTC days. */
export const DAY_MS = 86_400_000;
/** Milliseconds in an hour: emergency clocks, link and session lifetimes. */
export const HOUR_MS = 3_600_000;
