import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { parseDocument } from "yaml";
import { appendAudit } from "../audit/audit.js";
import { sha256Hex } from "../audit/canonical.js";
import { actorOf, DEMO, type Operator } from "../authz/authz.js";
import type { Db, Tx } from "../db/database.js";
import { refreshPlannerStatistics } from "../db/statistics.js";
import type { RequestDocument } from "../domain/request.schema.js";
import { type CompiledPolicy, type Decision, type DecisionInput, decide } from "../policy/engine.js";
import { loadPolicy, parsePolicyText } from "../policy/policy.load.js";
import { activatePolicy } from "../policy/policy.store.js";
import { countryName } from "../reports/country-names.js";
import { type Period, periodBounds } from "../reports/period.js";
import { type PastRequest, recordPastRequests } from "../requests/history.repository.js";
import { packagePath } from "../shared/package.js";
import { type AppleRow, parseAppleFigures } from "./apple.js";

/**
 * The demo's history: 2019H1–2021H2 of requests whose volumes per country and half-year follow Apple's
 * published figures, decided by the demo's own policy (policies/example.yaml, ExampleChat). Until
 * 6 July 2020 ExampleChat answers Hong Kong like anywhere else (policy version 2019-01-01: the example
 * without its HK entry); from that day the example policy itself, version 2020-07-06, pauses HK, so
 * Hong Kong's requests keep arriving and being counted, and are all held.
 *
 * Every request is decided by the engine from a document built for it, and its final state follows
 * Apple's share of requests answered: the generator picks, for each request, a document the policy
 * answers (produced), one it refuses (rejected) or one asking for data ExampleChat does not hold
 * (no_data), and checks the engine agrees. Requests are written by the bulk path of
 * history.repository.ts (request, targets, decision, one audit entry each).
 */

/**
 * The scale `custodian demo` should seed at. Apple's full volumes (229,419 requests, 1.07 million
 * accounts) took 58 s and 1.8 GB on embedded PGlite here; a quarter (57,508 requests) took 14 s and
 * 0.5 GB (up to 29 s on a machine busy with other work), and still shows every country and Hong Kong's
 * fall (6 held requests in 2020H2).
 */
export const DEMO_SCALE = 0.25;

export const PAUSE_DAY = new Date("2020-07-06T00:00:00Z");
const HISTORY_START = new Date("2019-01-01T00:00:00Z");
/** The request document's bound (docs/request.md as validated by request.schema.ts). */
const MAX_TARGETS = 100;

type DemoProcess = "subpoena" | "court_order";
type Fate = "produced" | "rejected" | "no_data";

/** What the generator is given for one half-year × country × process; the report must show exactly these. */
export interface HistoryVolume {
  period: Period;
  country: string;
  process: DemoProcess;
  requests: number;
  accounts: number;
  produced: number;
  rejected: number;
  noData: number;
}

/**
 * Apple's `device` requests become subpoenas and its `account` requests court orders (the instruments
 * that usually carry them). `scale` multiplies every volume (a row with any request keeps at least one);
 * accounts are kept between one and MAX_TARGETS per request, which lowers 10 of Apple's 627 rows
 * (e.g. Vietnam 2021H2: one request naming 2,968 devices).
 */
export function demoVolumes(rows: readonly AppleRow[], scale = 1): HistoryVolume[] {
  const volumes: HistoryVolume[] = [];
  for (const row of rows) {
    if (row.requests === 0) continue;
    const requests = Math.max(1, Math.round(row.requests * scale));
    const produced = Math.round((requests * row.provided) / row.requests);
    const rejected = Math.min(requests - produced, Math.round((requests * row.rejected) / row.requests));
    const accounts = Math.round((requests * row.accounts) / row.requests);
    volumes.push({
      period: row.period,
      country: row.country,
      process: row.requestType === "device" ? "subpoena" : "court_order",
      requests,
      accounts: Math.min(MAX_TARGETS * requests, Math.max(requests, accounts)),
      produced,
      rejected,
      noData: requests - produced - rejected,
    });
  }
  return volumes.sort(
    (a, b) =>
      a.period.localeCompare(b.period) || a.country.localeCompare(b.country) || a.process.localeCompare(b.process),
  );
}

export function appleVolumes(scale = 1): HistoryVolume[] {
  const file = packagePath("data/apple-government-requests-2019-2021.csv");
  return demoVolumes(parseAppleFigures(readFileSync(file, "utf8"), file), scale);
}

/**
 * Documents ExampleChat decides each way, per process. The subpoena unlocks subscriber records only;
 * the court order records too, never content; subscriber.billing and content.location are not held.
 */
const SHAPES: Record<
  DemoProcess,
  Record<Fate, { categories: RequestDocument["categories"]; outcome: Decision["outcome"] }>
> = {
  subpoena: {
    produced: { categories: ["subscriber.phone"], outcome: "comply_full" },
    rejected: { categories: ["records.ip_logs"], outcome: "reject" },
    no_data: { categories: ["subscriber.billing"], outcome: "no_data" },
  },
  court_order: {
    produced: { categories: ["subscriber.ip_address"], outcome: "comply_full" },
    rejected: { categories: ["content.posts"], outcome: "reject" },
    no_data: { categories: ["content.location"], outcome: "no_data" },
  },
};

/** A small deterministic generator (mulberry32), so a given history is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  volume: HistoryVolume;
  index: number;
  fate: Fate;
  receivedAt: Date;
  accounts: number;
}

/** Each volume's requests spread evenly over its half-year (2020H2 from the pause on), fates shuffled. */
function plan(volumes: readonly HistoryVolume[], seed: number): Planned[] {
  const next = random(seed);
  const out: Planned[] = [];
  for (const volume of volumes) {
    const { start: periodStart, end } = periodBounds(volume.period);
    // The law took effect on 30 June; the demo dates 2020H2 from the pause so that its story is the
    // pause's: every Hong Kong request of that half-year arrives while ExampleChat holds them.
    const start = periodStart < PAUSE_DAY && end > PAUSE_DAY ? PAUSE_DAY : periodStart;
    const fates: Fate[] = [
      ...Array<Fate>(volume.produced).fill("produced"),
      ...Array<Fate>(volume.rejected).fill("rejected"),
      ...Array<Fate>(volume.noData).fill("no_data"),
    ];
    for (let i = fates.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [fates[i], fates[j]] = [fates[j] as Fate, fates[i] as Fate];
    }
    const span = end.getTime() - start.getTime();
    const base = Math.floor(volume.accounts / volume.requests);
    const extra = volume.accounts % volume.requests;
    fates.forEach((fate, index) => {
      out.push({
        volume,
        index,
        fate,
        receivedAt: new Date(start.getTime() + Math.floor(((index + 0.5) * span) / volume.requests)),
        accounts: base + (index < extra ? 1 : 0),
      });
    });
  }
  return out;
}

export interface SeedOptions {
  /** Multiplies Apple's volumes (1: the published volumes). */
  scale?: number;
  /** The volumes to generate instead of Apple's (tests). */
  volumes?: HistoryVolume[];
  seed?: number;
  /** Who records the history (the demo, by default). */
  by?: Operator;
  /** Called after each committed batch (and once at the start) with the requests recorded so far. */
  onProgress?: (recorded: number, total: number) => void;
  /** Stops between batches: what was committed stays, and the next call goes on from there. */
  signal?: AbortSignal;
}

export interface SeedResult {
  requests: number;
  /** Whether every planned request is recorded (false when `signal` stopped it first). */
  complete: boolean;
  volumes: HistoryVolume[];
  seconds: number;
}

/** Where the demo's history says it came from, in each request's `request.recorded` audit entry. */
const HISTORY_SOURCE = "demo history";

/**
 * Records the history a batch per transaction, so a server running beside it keeps answering (on the
 * embedded database, a transaction holds the one connection until it ends), and resumes after an
 * interruption: the plan is deterministic and written in order, so the requests already recorded are
 * exactly the first ones planned.
 */
export async function seedDemoHistory(db: Db, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const volumes = options.volumes ?? appleVolumes(options.scale ?? 1);
  const by = options.by ?? DEMO;
  const actor = actorOf(by);
  const planned = plan(volumes, options.seed ?? 20200706).sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime(),
  );
  const example = readFileSync(packagePath("policies/example.yaml"), "utf8");
  const prePause = beforeThePause(example);
  const agencies = await registerAgencies(db, [...new Set(volumes.map((v) => v.country))], actor);
  await db.transaction().execute((tx) => storePastPolicies(tx, prePause, example, by));
  const before = loadPolicy(prePause, "policies/example.yaml before 2020-07-06");
  const after = loadPolicy(example, "policies/example.yaml");

  const already = Math.min(planned.length, await historyRecorded(db));
  let recorded = already;
  options.onProgress?.(recorded, planned.length);
  while (recorded < planned.length && !options.signal?.aborted) {
    const batch = planned
      .slice(recorded, recorded + WRITE_BATCH)
      .map((p) => pastRequest(p, p.receivedAt < PAUSE_DAY ? before : after, agencies));
    await db
      .transaction()
      .execute((tx) => recordPastRequests(tx, batch, { actor, now: new Date(), source: HISTORY_SOURCE }));
    recorded += batch.length;
    options.onProgress?.(recorded, planned.length);
    // Let the requests waiting on the server in this process run between two batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // The queue and the report plan over the history from now on: an embedded store runs no autovacuum.
  if (recorded > already && recorded >= planned.length) await refreshPlannerStatistics(db);
  return {
    requests: planned.length,
    complete: recorded >= planned.length,
    volumes,
    seconds: (performance.now() - started) / 1000,
  };
}

async function historyRecorded(db: Db): Promise<number> {
  const { n } = await db
    .selectFrom("audit_event")
    .select(({ fn }) => fn.countAll<string>().as("n"))
    .where("action", "=", "request.recorded")
    .where(sql<string>`payload->>'source'`, "=", HISTORY_SOURCE)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/**
 * The two versions the history was decided by, stored once. The version before the pause was in force
 * from 2019 until 6 July 2020 and is stored as retired; the example policy is made the one in force only
 * if none is (the demo's world activates it first, and the history must not change what is in force
 * while the server already answers).
 */
async function storePastPolicies(tx: Tx, prePause: string, example: string, by: Operator): Promise<void> {
  const actor = actorOf(by);
  const doc = parsePolicyText(prePause, "policies/example.yaml before 2020-07-06");
  const stored = await tx
    .selectFrom("policy_version")
    .select("id")
    .where("name", "=", doc.name)
    .where("version", "=", doc.version)
    .executeTakeFirst();
  if (!stored) {
    const sha256 = sha256Hex(prePause);
    const { id } = await tx
      .insertInto("policy_version")
      .values({
        name: doc.name,
        version: doc.version,
        document: prePause,
        sha256,
        active: false,
        activated_at: HISTORY_START,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      tx,
      {
        actor,
        action: "policy.activated",
        objectType: "policy",
        objectId: id,
        payload: { name: doc.name, version: doc.version, sha256 },
      },
      HISTORY_START,
    );
  }
  const inForce = await tx.selectFrom("policy_version").select("id").where("active", "=", true).executeTakeFirst();
  if (!inForce) await activatePolicy(tx, example, by, PAUSE_DAY, "policies/example.yaml");
}

/** The example policy as it stood before the pause: no Hong Kong entry, version 2019-01-01. */
export function beforeThePause(example: string): string {
  const doc = parseDocument(example);
  doc.deleteIn(["jurisdictions", "HK"]);
  doc.set("version", "2019-01-01");
  return doc.toString();
}

async function registerAgencies(db: Db, countries: string[], actor: string): Promise<Map<string, string>> {
  return db.transaction().execute(async (tx) => {
    const ids = new Map<string, string>();
    for (const country of countries.sort()) {
      const name = `${countryName(country)} National Police`;
      const existing = await tx
        .selectFrom("agency")
        .select("id")
        .where("name", "=", name)
        .where("jurisdiction", "=", country)
        .executeTakeFirst();
      if (existing) {
        ids.set(country, existing.id);
        continue;
      }
      const { id } = await tx
        .insertInto("agency")
        .values({ name, jurisdiction: country })
        .returning("id")
        .executeTakeFirstOrThrow();
      await appendAudit(
        tx,
        {
          actor,
          action: "agency.created",
          objectType: "agency",
          objectId: id,
          payload: { name, jurisdiction: country },
        },
        HISTORY_START,
      );
      ids.set(country, id);
    }
    return ids;
  });
}

/** Small enough that one batch keeps the embedded server from answering for well under a second. */
const WRITE_BATCH = 1000;

function pastRequest(p: Planned, policy: CompiledPolicy, agencies: Map<string, string>): PastRequest {
  const { volume } = p;
  const shape = SHAPES[volume.process][p.fate];
  const reference = `${volume.country}-${volume.period}-${volume.process === "subpoena" ? "S" : "C"}-${p.index + 1}`;
  const targets = Array.from({ length: p.accounts }, (_, k) => ({
    type: "account_id" as const,
    value: `${reference.toLowerCase()}-${k + 1}`,
  }));
  const document = {
    reference,
    receivedAt: p.receivedAt.toISOString(),
    jurisdiction: volume.country,
    agency: {
      name: `${countryName(volume.country)} National Police`,
      email: `requests@police.${volume.country.toLowerCase()}.example`,
    },
    process: volume.process,
    targets,
    categories: shape.categories,
  };
  const input: DecisionInput = {
    ...document,
    agency: { verified: true },
    findings: [],
    emergency: null,
    dateRange: null,
  };
  const decision = decide(input, policy);
  const held = decision.outcome === "hold";
  if (!held && decision.outcome !== shape.outcome) {
    throw new Error(
      `demo history: ${reference} should be ${shape.outcome} under ${policy.name} ${policy.version}, the engine says ${decision.outcome}`,
    );
  }
  return {
    agencyId: agencies.get(volume.country) as string,
    reference,
    receivedAt: p.receivedAt,
    jurisdiction: volume.country,
    process: volume.process,
    categories: shape.categories,
    targets,
    accountsSpecified: targets.length,
    originalDocument: JSON.stringify(document),
    status: held ? "on_hold" : "closed",
    heldFrom: held ? "received" : null,
    closedFrom: held ? null : p.fate === "produced" ? "delivered" : "rejected",
    decision: {
      cause: "intake",
      policy: decision.policy,
      outcome: decision.outcome,
      needsReview: decision.needsReview,
      reviewReasons: decision.reviewReasons,
      humanRightsReview: decision.humanRightsReview,
      items: decision.items,
      decidedAt: p.receivedAt,
    },
  };
}
