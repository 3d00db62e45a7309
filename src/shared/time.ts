/** Milliseconds in a day: deadlines, retention and notice delays are counted in whole UTC days. */
export const DAY_MS = 86_400_000;
