import { parseRequestDocument, type RequestDocument } from "../../src/domain/request.schema.js";
import { CATEGORIES, type Process } from "../../src/domain/vocabulary.js";

/**
 * A deterministic pool of requests for the engine benchmark: every request names 5 targets and
 * 8 categories, and the pool cycles through the situations a desk running policies/example.yaml meets,
 * so every gate of the decision (pause, refusal, data map, retention, preservation, emergency, ladder,
 * jurisdiction override, rule) decides some of the items.
 */

export const TARGETS_PER_REQUEST = 5;
export const CATEGORIES_PER_REQUEST = 8;

interface Scenario {
  jurisdiction: string;
  process: Process;
  findings?: string[];
  emergencyVerified?: boolean;
  agencyVerified?: boolean;
}

// US-heavy, as real request volumes are; each line exercises a different part of the policy.
const SCENARIOS: readonly Scenario[] = [
  { jurisdiction: "US", process: "subpoena" },
  { jurisdiction: "US", process: "court_order" },
  { jurisdiction: "US", process: "search_warrant" },
  { jurisdiction: "US-CA", process: "search_warrant" },
  { jurisdiction: "US-CA", process: "subpoena" },
  { jurisdiction: "GB", process: "court_order" },
  { jurisdiction: "GB", process: "mlat" },
  { jurisdiction: "DE", process: "search_warrant" },
  { jurisdiction: "DE", process: "mlat" },
  { jurisdiction: "HK", process: "court_order" },
  { jurisdiction: "HK", process: "emergency", emergencyVerified: true },
  { jurisdiction: "KP", process: "subpoena" },
  { jurisdiction: "RU", process: "court_order" },
  { jurisdiction: "US", process: "emergency", emergencyVerified: true },
  { jurisdiction: "GB", process: "emergency", emergencyVerified: false },
  { jurisdiction: "US", process: "preservation" },
  { jurisdiction: "US", process: "court_order", findings: ["terrorism_suspect"] },
  { jurisdiction: "DE", process: "court_order", findings: ["terrorism_suspect", "flight_risk"] },
  { jurisdiction: "US", process: "search_warrant", agencyVerified: false },
  { jurisdiction: "US", process: "informal" },
];

/** mulberry32: small, fast and the same on every machine, so every run decides the same pool. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickDistinct<T>(random: () => number, from: readonly T[], count: number): T[] {
  const pool = [...from];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, count);
}

function target(random: () => number, request: number, index: number): { type: string; value: string } {
  const n = `${request}${index}${Math.floor(random() * 1e6)}`;
  switch (index % 4) {
    case 0:
      return { type: "phone", value: `+1555${n.padStart(7, "0").slice(-7)}` };
    case 1:
      return { type: "email", value: `user${n}@example.org` };
    case 2:
      return { type: "username", value: `handle_${n}` };
    default:
      return { type: "account_id", value: `acct-${n}` };
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2020-07-12T17:30:00.000+08:00` for the instant `ms`, as seen `hours` east of UTC. */
function withOffset(ms: number, hours: number): string {
  const local = new Date(ms + hours * 3_600_000).toISOString().slice(0, -1);
  const sign = hours < 0 ? "-" : "+";
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, "0")}:00`;
}

const DAY_MS = 86_400_000;
const FIRST_RECEIPT = Date.parse("2020-07-06T08:00:00Z");

/** The raw request document for request `i`; the pool parses it, so the bench times deciding, not parsing. */
function document(random: () => number, i: number): Record<string, unknown> {
  const scenario = SCENARIOS[i % SCENARIOS.length] as Scenario;
  const received = FIRST_RECEIPT + i * 3_600_000 + Math.floor(random() * 3_600_000);
  // Mostly recent periods; some old enough that records.connections (30 days) or records.ip_logs
  // (90 days) has been purged; a few with no period at all.
  const age = random();
  const endDaysAgo = age < 0.6 ? 1 + Math.floor(random() * 25) : age < 0.8 ? 35 + Math.floor(random() * 50) : 95;
  const end = received - endDaysAgo * DAY_MS;
  const dateRange = age > 0.95 ? null : { from: isoDate(end - 30 * DAY_MS), to: isoDate(end) };
  // Some agencies stamp local time: the engine (and the Cedar model) must read the offset.
  const receivedAt = i % 7 === 3 ? withOffset(received, 8) : new Date(received).toISOString();
  return {
    reference: `BENCH-ENGINE-${String(i).padStart(5, "0")}`,
    receivedAt,
    jurisdiction: scenario.jurisdiction,
    agency: {
      name: `${scenario.jurisdiction} Benchmark Police`,
      email: `officer${i % 13}@police.example.gov`,
      verified: scenario.agencyVerified ?? true,
    },
    process: scenario.process,
    issuedBy: scenario.process === "emergency" ? null : "A court",
    findings: scenario.findings ?? [],
    emergency:
      scenario.process === "emergency"
        ? { justification: "imminent threat to life", verified: scenario.emergencyVerified ?? false }
        : null,
    targets: Array.from({ length: TARGETS_PER_REQUEST }, (_, t) => target(random, i, t)),
    categories: pickDistinct(random, CATEGORIES, CATEGORIES_PER_REQUEST),
    dateRange,
  };
}

export const SCENARIO_COUNT = SCENARIOS.length;

export function requestPool(size: number, seed = 0x5eed): RequestDocument[] {
  const random = seeded(seed);
  return Array.from({ length: size }, (_, i) => parseRequestDocument(document(random, i), `pool[${i}]`));
}
