import { readFileSync } from "node:fs";
import {
  type AuthorizationAnswer,
  type Context,
  getCedarVersion,
  preparsePolicySet,
  type StatefulAuthorizationCall,
  statefulIsAuthorized,
  validate,
} from "@cedar-policy/cedar-wasm/nodejs";
import { countryOf } from "../src/domain/jurisdictions.js";
import type { RequestDocument } from "../src/domain/request.schema.js";
import { targetKey } from "../src/domain/request.schema.js";
import { tierOf } from "../src/domain/vocabulary.js";
import { type CompiledPolicy, type DecisionItem, decide } from "../src/policy/engine.js";
import { loadPolicy } from "../src/policy/policy.load.js";
import { type Benchmark, type BenchResult, median, ratioOf, type Throughput, timeLoop } from "./harness.js";
import { CATEGORIES_PER_REQUEST, requestPool, SCENARIO_COUNT, TARGETS_PER_REQUEST } from "./support/engine-requests.js";

/**
 * Item decisions per second of Custodian's engine on policies/example.yaml, beside the same decisions
 * made in the same run by Cedar (cedar-wasm) on bench/fixtures/example.cedar, the same policy written
 * as a Cedar user would. Where a choice had to be made Cedar gets the favourable side, so the ratio
 * errs low: the policy set is parsed once, every authorization call object is built before the clock
 * starts, retention is passed as a precomputed Long rather than datetimes, and Cedar answers only
 * Allow/Deny while Custodian also builds each item's action, rule and reason, the outcome and the
 * review reasons.
 */

const POLICY_YAML = readFileSync(new URL("../policies/example.yaml", import.meta.url), "utf8");
const CEDAR_POLICIES = readFileSync(new URL("./fixtures/example.cedar", import.meta.url), "utf8");
const CEDAR_SCHEMA = readFileSync(new URL("./fixtures/example.cedarschema", import.meta.url), "utf8");
const POLICY_SET_ID = "custodian-example";

// Interleaved rounds, median of each: on a shared two-core machine one long pass of each is mostly noise.
const ROUNDS = 5;

// The first letters of disclose, withhold, unavailable, hold and preserve differ, so summing them checks
// that every item's action was read and is the same as in the agreement pass.
const actionCode = (action: string) => action.charCodeAt(0);

interface CedarRequest {
  /** One call per item, in the order of Custodian's items: target-major, then category. */
  perItem: StatefulAuthorizationCall[];
  /** The first target's calls: the answer for a category is the same for every target. */
  perCategory: StatefulAuthorizationCall[];
  targets: number;
}

function cedarContext(request: RequestDocument): Context {
  const context: Context = {
    process: request.process,
    jurisdiction: request.jurisdiction,
    country: countryOf(request.jurisdiction),
    agencyVerified: request.agency.verified,
    emergencyVerified: request.emergency?.verified === true,
    findings: [...request.findings],
  };
  if (request.dateRange) {
    context.periodEndAgeMs = Date.parse(request.receivedAt) - Date.parse(`${request.dateRange.to}T23:59:59.999Z`);
  }
  return context;
}

function cedarRequest(request: RequestDocument): CedarRequest {
  const context = cedarContext(request);
  const principal = { type: "Agency", id: request.agency.name };
  const action = { type: "Action", id: "disclose" };
  const perItem: StatefulAuthorizationCall[] = [];
  for (const target of request.targets) {
    for (const category of request.categories) {
      const uid = { type: "Data", id: `${targetKey(target)}/${category}` };
      perItem.push({
        principal,
        action,
        resource: uid,
        context,
        preparsedPolicySetId: POLICY_SET_ID,
        entities: [{ uid, attrs: { category, tier: tierOf(category) }, parents: [] }],
      });
    }
  }
  return { perItem, perCategory: perItem.slice(0, request.categories.length), targets: request.targets.length };
}

function allowed(answer: AuthorizationAnswer): boolean {
  if (answer.type !== "success") {
    throw new Error(`cedar-wasm failed: ${answer.errors.map((e) => e.message).join("; ")}`);
  }
  if (answer.response.diagnostics.errors.length > 0) {
    // A policy that errors is skipped by Cedar, which would silently change the answer.
    const first = answer.response.diagnostics.errors[0];
    throw new Error(`cedar policy ${first?.policyId} errored: ${first?.error.message}`);
  }
  return answer.response.decision === "allow";
}

function prepareCedar(): void {
  const validation = validate({
    schema: CEDAR_SCHEMA,
    policies: { staticPolicies: CEDAR_POLICIES },
    validationSettings: { mode: "strict" },
  });
  if (validation.type !== "success") {
    throw new Error(`cedar schema or policies do not parse: ${validation.errors.map((e) => e.message).join("; ")}`);
  }
  if (validation.validationErrors.length > 0) {
    const first = validation.validationErrors[0];
    throw new Error(`cedar policies fail validation: ${first?.policyId}: ${first?.error.message}`);
  }
  const parsed = preparsePolicySet(POLICY_SET_ID, { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== "success") {
    throw new Error(`cedar policies do not parse: ${parsed.errors.map((e) => e.message).join("; ")}`);
  }
}

interface Agreement {
  items: number;
  /** What one pass over the pool folds into the sink: Custodian's action codes, Cedar's Allows. */
  custodianChecksum: number;
  disclosed: number;
  /** Distinct disagreeing cases (target and dates left out), each with a count and its first request. */
  disagreements: Map<string, { count: number; first: string }>;
}

/**
 * Cedar must answer Allow exactly where Custodian discloses, for every item of the pool, both when asked
 * once per item and when asked once per category, or the speed comparison means nothing.
 */
function checkAgreement(
  pool: readonly RequestDocument[],
  policy: CompiledPolicy,
  cedar: readonly CedarRequest[],
): Agreement {
  const result: Agreement = { items: 0, custodianChecksum: 0, disclosed: 0, disagreements: new Map() };
  pool.forEach((request, r) => {
    const decision = decide(request, policy);
    const calls = cedar[r] as CedarRequest;
    const categories = request.categories.length;
    decision.items.forEach((item, k) => {
      const perItem = allowed(statefulIsAuthorized(calls.perItem[k] as StatefulAuthorizationCall));
      const perCategory = allowed(statefulIsAuthorized(calls.perCategory[k % categories] as StatefulAuthorizationCall));
      const discloses = item.action === "disclose";
      result.items++;
      result.custodianChecksum += actionCode(item.action);
      if (discloses) result.disclosed++;
      if (perItem !== discloses || perCategory !== discloses) {
        const findings = request.findings.length > 0 ? ` [${request.findings.join(",")}]` : "";
        const emergency = request.emergency ? ` emergency.verified=${request.emergency.verified}` : "";
        const agency = request.agency.verified ? "" : " agency unverified";
        const key =
          `${request.jurisdiction} ${request.process}${findings}${emergency}${agency} ${item.category}: ` +
          `custodian ${item.action} (${item.rule}), cedar per item ${perItem ? "allow" : "deny"}, ` +
          `per category ${perCategory ? "allow" : "deny"}`;
        const seen = result.disagreements.get(key);
        if (seen) seen.count++;
        else result.disagreements.set(key, { count: 1, first: request.reference });
      }
    });
  });
  return result;
}

/** Results are folded in here so V8 cannot prove the timed work unused; checked after each measurement. */
let sink = 0;

function timeCustodian(pool: readonly RequestDocument[], policy: CompiledPolicy, seconds: number): Throughput {
  return timeLoop(seconds, () => {
    let items = 0;
    for (let r = 0; r < pool.length; r++) {
      const list = decide(pool[r] as RequestDocument, policy).items;
      for (let k = 0; k < list.length; k++) sink += actionCode((list[k] as DecisionItem).action);
      items += list.length;
    }
    return items;
  });
}

function timeCedarPerItem(cedar: readonly CedarRequest[], seconds: number): Throughput {
  return timeLoop(seconds, () => {
    let items = 0;
    for (let r = 0; r < cedar.length; r++) {
      const calls = (cedar[r] as CedarRequest).perItem;
      for (let k = 0; k < calls.length; k++) {
        if (allowed(statefulIsAuthorized(calls[k] as StatefulAuthorizationCall))) sink++;
      }
      items += calls.length;
    }
    return items;
  });
}

const answers = new Uint8Array(TARGETS_PER_REQUEST * CATEGORIES_PER_REQUEST);

function timeCedarPerCategory(cedar: readonly CedarRequest[], seconds: number): Throughput {
  return timeLoop(seconds, () => {
    let items = 0;
    for (let r = 0; r < cedar.length; r++) {
      const request = cedar[r] as CedarRequest;
      const calls = request.perCategory;
      const width = calls.length;
      // One answer per category, written into every target's item, as Custodian's engine does.
      for (let i = 0; i < width; i++) {
        const allow = allowed(statefulIsAuthorized(calls[i] as StatefulAuthorizationCall)) ? 1 : 0;
        for (let t = 0; t < request.targets; t++) answers[t * width + i] = allow;
      }
      const count = width * request.targets;
      for (let k = 0; k < count; k++) sink += answers[k] as number;
      items += count;
    }
    return items;
  });
}

/** Runs one measurement and checks it folded exactly whole passes of the expected per-pass checksum. */
function measured(what: string, perPass: number, measure: () => Throughput): number {
  sink = 0;
  const result = measure();
  if (sink !== perPass * result.passes) {
    throw new Error(`${what}: checksum ${sink} is not ${result.passes} x ${perPass}; a timed loop lost work`);
  }
  return result.perSecond;
}

const perSecond = (value: number) => `${Math.round(value).toLocaleString("en")}/s`;

export const benchmark: Benchmark = {
  name: "engine",
  description: "item decisions/s of decide() vs cedar-wasm on the same policy and requests",
  async run(scale: number): Promise<BenchResult[]> {
    const segment = Math.max(0.05, scale);
    // 100 requests cycle through every scenario five times; more would only lengthen Cedar's per-item
    // pass (about a second here) without changing the mix.
    const pool = requestPool(Math.max(2 * SCENARIO_COUNT, Math.round(100 * scale)));
    const policy = loadPolicy(POLICY_YAML, "policies/example.yaml");

    prepareCedar();
    const cedar = pool.map(cedarRequest);
    const check = checkAgreement(pool, policy, cedar);
    if (check.disagreements.size > 0) {
      const cases = [...check.disagreements].map(([key, { count, first }]) => `${count} x ${key} (e.g. ${first})`);
      const wrong = [...check.disagreements.values()].reduce((sum, { count }) => sum + count, 0);
      throw new Error(
        `cedar-wasm and Custodian disagree on ${wrong} of ${check.items} items (${cases.length} cases), not timing:\n  ` +
          `${cases.slice(0, 20).join("\n  ")}${cases.length > 20 ? `\n  ... and ${cases.length - 20} more cases` : ""}`,
      );
    }
    console.log(
      `engine: cedar-wasm ${getCedarVersion()} agrees with Custodian on all ${check.items.toLocaleString("en")} items ` +
        `(${pool.length} requests, ${check.disclosed.toLocaleString("en")} disclosed), per item and per category`,
    );

    const custodian = () => measured("custodian", check.custodianChecksum, () => timeCustodian(pool, policy, segment));
    const cedarEach = () => measured("cedar per item", check.disclosed, () => timeCedarPerItem(cedar, segment));
    const cedarShared = () =>
      measured("cedar per category", check.disclosed, () => timeCedarPerCategory(cedar, segment));

    // Warm-up: lets V8 optimise decide() and the loops, and Cedar's wasm tier up, before any round counts.
    custodian();
    cedarEach();
    cedarShared();

    const rounds = { custodian: [] as number[], cedarEach: [] as number[], cedarShared: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.custodian.push(custodian());
      rounds.cedarEach.push(cedarEach());
      rounds.cedarShared.push(cedarShared());
    }
    const ours = median(rounds.custodian);
    const shared = median(rounds.cedarShared);
    const each = median(rounds.cedarEach);

    console.log(`engine: Custodian decide()            ${perSecond(ours)}`);
    console.log(`engine: cedar-wasm, one call/category  ${perSecond(shared)}  (Custodian ${ratioOf(ours, shared)}x)`);
    console.log(`engine: cedar-wasm, one call/item      ${perSecond(each)}  (Custodian ${ratioOf(ours, each)}x)`);

    const setup =
      `${pool.length} requests x ${TARGETS_PER_REQUEST} targets x ${CATEGORIES_PER_REQUEST} categories, ` +
      `median of ${ROUNDS} interleaved ${segment.toFixed(2)} s rounds, one thread`;
    return [
      {
        bench: "engine",
        figure: "item decisions/s",
        value: Math.round(ours),
        peer: "cedar-wasm",
        peerValue: Math.round(shared),
        ratio: ratioOf(ours, shared),
        note: `${setup}; Cedar makes one statefulIsAuthorized call per category per request and shares it across targets, as decide() does`,
      },
      {
        bench: "engine",
        figure: "item decisions/s",
        value: Math.round(ours),
        peer: "cedar-wasm (one call per item)",
        peerValue: Math.round(each),
        ratio: ratioOf(ours, each),
        note: `${setup}; Cedar makes one statefulIsAuthorized call per target x category`,
      },
    ];
  },
};

export default benchmark;
