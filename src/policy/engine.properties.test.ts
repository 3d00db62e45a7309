/**
 * Properties of `decide` (docs/decision.md) over generated valid requests and generated valid policies.
 * Both go through their schemas, so every case is something Custodian could actually be asked.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countryOf } from "../domain/jurisdictions.js";
import { parseRequestDocument, type RequestDocument } from "../domain/request.schema.js";
import { CATEGORIES, type Category, PROCESS_LADDER, PROCESSES, TIERS, tierOf } from "../domain/vocabulary.js";
import { type CompiledPolicy, compilePolicy, type Decision, decide } from "./engine.js";
import { type PolicyDocument, policyDocumentSchema } from "./policy.schema.js";

const RUNS = 300;

// ---------------------------------------------------------------------------------------------
// Policies

const UNLOCKING = ["informal", "subpoena", "court_order", "search_warrant", "mlat", "national_security"] as const;
const JURISDICTION_KEYS = ["*", "US", "US-CA", "HK", "DE", "GB", "CA", "CA-QC"] as const;
const REQUEST_JURISDICTIONS = ["US", "US-CA", "US-NY", "HK", "DE", "GB", "CA", "CA-QC", "CA-ON", "RU", "FR"] as const;
const FINDINGS = ["terrorism_suspect", "fraud", "imminent_danger"] as const;

const legalProcessArb = fc
  .record(
    {
      subscriber: fc.subarray([...UNLOCKING]),
      records: fc.subarray([...UNLOCKING]),
      content: fc.subarray([...UNLOCKING]),
    },
    { requiredKeys: [] },
  )
  .map((lp) => lp as Record<string, string[]>);

const emergencyPolicyArb = fc.record({
  tiers: fc.subarray([...TIERS]),
  requireVerified: fc.boolean(),
});

const dataEntryArb = fc.record(
  { e2ee: fc.boolean(), retentionDays: fc.integer({ min: 1, max: 400 }) },
  { requiredKeys: [] },
);

const dataMapArb = fc
  .tuple(...CATEGORIES.map((c) => fc.option(dataEntryArb, { freq: 3 }).map((entry) => [c, entry] as const)))
  .map((pairs) => {
    const map: Record<string, unknown> = {};
    for (const [category, entry] of pairs) if (entry !== null) map[category] = entry;
    return map;
  });

const jurisdictionEntryArb = fc.record(
  {
    status: fc.constantFrom("active", "paused", "refused"),
    since: fc.constant("2020-07-06"),
    reason: fc.constant("generated"),
    allowEmergency: fc.boolean(),
    legalProcess: legalProcessArb,
    emergency: fc.option(emergencyPolicyArb),
  },
  { requiredKeys: [] },
);

const ruleArb = fc
  .record(
    {
      process: fc.option(fc.constantFrom(...UNLOCKING), { nil: undefined }),
      findings: fc.option(fc.subarray([...FINDINGS], { minLength: 1 }), { nil: undefined }),
      jurisdictions: fc.option(fc.subarray(["US", "US-CA", "HK", "DE", "CA-QC"], { minLength: 1 }), {
        nil: undefined,
      }),
      grant: fc.subarray([...CATEGORIES], { minLength: 1 }),
    },
    { requiredKeys: ["grant"] },
  )
  .filter((rule) => rule.process !== undefined || rule.findings !== undefined);

const policyInputArb = fc
  .record({
    dataMap: dataMapArb,
    legalProcess: legalProcessArb,
    emergency: fc.option(emergencyPolicyArb, { nil: undefined }),
    jurisdictions: fc.dictionary(fc.constantFrom(...JURISDICTION_KEYS), jurisdictionEntryArb, { maxKeys: 5 }),
    humanRightsReview: fc.subarray(["RU", "US", "GB", "CA-QC", "US-CA"]),
    rules: fc.array(ruleArb, { maxLength: 4 }),
  })
  .map(({ rules, emergency, ...rest }) => {
    const when = (rule: (typeof rules)[number]) =>
      Object.fromEntries(
        Object.entries({ process: rule.process, findings: rule.findings, jurisdictions: rule.jurisdictions }).filter(
          ([, v]) => v !== undefined,
        ),
      );
    return {
      policy: 1,
      name: "Generated",
      version: "g1",
      ...rest,
      ...(emergency === undefined ? {} : { emergency }),
      rules: rules.map((rule, i) => ({ id: `rule-${i}`, when: when(rule), grant: rule.grant })),
    };
  });

interface GeneratedPolicy {
  doc: PolicyDocument;
  compiled: CompiledPolicy;
}

const policyArb: fc.Arbitrary<GeneratedPolicy> = policyInputArb.map((input) => {
  const doc = policyDocumentSchema.parse(input);
  return { doc, compiled: compilePolicy(doc) };
});

// ---------------------------------------------------------------------------------------------
// Requests

const TARGET_POOL = [
  { type: "phone", value: "+85291234567" },
  { type: "username", value: "quietfox" },
  { type: "account_id", value: "1002993841" },
  { type: "email", value: "fox@example.net" },
];

const dayArb = fc
  .integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2020, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));

const requestArb: fc.Arbitrary<RequestDocument> = fc
  .record({
    jurisdiction: fc.constantFrom(...REQUEST_JURISDICTIONS),
    // Emergencies and verified agencies are weighted up: they are where the interesting paths are.
    process: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PROCESSES) },
      { weight: 1, arbitrary: fc.constant("emergency" as const) },
    ),
    findings: fc.subarray([...FINDINGS]),
    agencyVerified: fc.constantFrom(true, true, true, false, undefined),
    emergency: fc.option(
      fc.record(
        { justification: fc.constant("imminent danger"), verified: fc.boolean() },
        { requiredKeys: ["justification"] },
      ),
    ),
    targets: fc.shuffledSubarray(TARGET_POOL, { minLength: 1 }),
    categories: fc.shuffledSubarray([...CATEGORIES], { minLength: 1 }),
    receivedAt: fc
      .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2021, 0, 1) })
      .map((ms) => new Date(ms).toISOString()),
    dateRange: fc.option(fc.tuple(dayArb, dayArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }))),
  })
  .map((r) =>
    parseRequestDocument({
      reference: "PROP-1",
      receivedAt: r.receivedAt,
      jurisdiction: r.jurisdiction,
      agency: {
        name: "Generated Agency",
        email: "officer@agency.gov",
        ...(r.agencyVerified === undefined ? {} : { verified: r.agencyVerified }),
      },
      process: r.process,
      findings: r.findings,
      emergency: r.process === "emergency" ? r.emergency : null,
      targets: r.targets,
      categories: r.categories,
      dateRange: r.dateRange,
    }),
  );

/** A verified agency's request: the properties about what a policy unlocks need one. */
const verifiedRequestArb = requestArb.map((r) => ({ ...r, agency: { ...r.agency, verified: true } }));

/** An emergency request from a verified agency, called back or not (or with no emergency object at all). */
const emergencyRequestArb = fc.tuple(verifiedRequestArb, fc.option(fc.boolean(), { nil: undefined })).map(
  ([r, verified]): RequestDocument => ({
    ...r,
    process: "emergency",
    emergency: verified === undefined ? null : { justification: "imminent danger", verified },
  }),
);

/** Compiling resolves every country (a few ms), so each generated policy answers several requests. */
const several = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 4 });

/**
 * A policy that sets `entry` on the entry deciding the status of the request generated with it
 * (its own, its country's or `*`), every more specific entry leaving the status to it.
 */
function policyAround(req: fc.Arbitrary<RequestDocument>, entry: Record<string, unknown>) {
  return fc.tuple(policyInputArb, req, fc.constantFrom("own", "country", "*")).map(([input, request, where]) => {
    const own = request.jurisdiction;
    const key = where === "own" ? own : where === "country" ? countryOf(own) : "*";
    const jurisdictions: Record<string, unknown> = { ...input.jurisdictions };
    for (const k of [own, countryOf(own), "*"]) {
      if (k === key) break;
      const { status: _status, allowEmergency: _allow, ...rest } = (jurisdictions[k] ?? {}) as Record<string, unknown>;
      jurisdictions[k] = rest;
    }
    jurisdictions[key] = { ...(jurisdictions[key] as object), ...entry };
    const doc = policyDocumentSchema.parse({ ...input, jurisdictions });
    return { doc, compiled: compilePolicy(doc), req: request };
  });
}

// ---------------------------------------------------------------------------------------------
// A reference model of jurisdiction resolution (most specific entry that sets the field wins).

function resolved<K extends "status" | "allowEmergency">(doc: PolicyDocument, code: string, field: K) {
  const country = countryOf(code);
  const keys = code === country ? [code, "*"] : [code, country, "*"];
  for (const key of keys) {
    const value = doc.jurisdictions[key]?.[field];
    if (value !== undefined) return value;
  }
  return undefined;
}

const statusOf = (doc: PolicyDocument, code: string) => resolved(doc, code, "status") ?? "active";
const isVerifiedEmergency = (req: RequestDocument) => req.process === "emergency" && req.emergency?.verified === true;
const heldBy = (doc: PolicyDocument, category: Category) => doc.dataMap[category] !== undefined;

function discloses(decision: Decision): Set<Category> {
  return new Set(decision.items.filter((i) => i.action === "disclose").map((i) => i.category));
}

function withProcess(req: RequestDocument, process: RequestDocument["process"]): RequestDocument {
  return { ...req, process, emergency: null };
}

const params = { numRuns: RUNS };

describe("decide: properties over generated requests and policies", () => {
  it("holds everything in a paused jurisdiction unless allowEmergency lets a verified emergency through", () => {
    fc.assert(
      fc.property(policyArb, several(requestArb), ({ doc, compiled }, requests) => {
        for (const req of requests) {
          const decision = decide(req, compiled);
          const paused = statusOf(doc, req.jurisdiction) === "paused";
          const letThrough = resolved(doc, req.jurisdiction, "allowEmergency") === true && isVerifiedEmergency(req);
          if (paused && !letThrough) {
            expect(decision.items.every((i) => i.action === "hold")).toBe(true);
            expect(decision.outcome).toBe("hold");
            expect(decision.needsReview).toBe(false);
          } else {
            expect(decision.items.some((i) => i.action === "hold")).toBe(false);
          }
        }
      }),
      params,
    );
  });

  it("lets allowEmergency pass a verified emergency as if the jurisdiction were active, and nothing else", () => {
    const verifiedEmergency = emergencyRequestArb.map((r) => ({
      ...r,
      emergency: { justification: "imminent danger", verified: true },
    }));
    fc.assert(
      fc.property(
        policyAround(verifiedEmergency, { status: "paused", allowEmergency: true }),
        requestArb,
        ({ doc, compiled, req }, other) => {
          expect(statusOf(doc, req.jurisdiction)).toBe("paused");
          const active = structuredClone(doc);
          for (const entry of Object.values(active.jurisdictions)) entry.status = "active";
          const asIfActive = decide(req, compilePolicy(active));
          expect(decide(req, compiled)).toEqual(asIfActive);
          // Anything else from there is held.
          const otherHere = { ...other, jurisdiction: req.jurisdiction };
          if (!isVerifiedEmergency(otherHere)) expect(decide(otherHere, compiled).outcome).toBe("hold");
        },
      ),
      params,
    );
  });

  it("answers a refused jurisdiction with nothing", () => {
    fc.assert(
      fc.property(policyAround(requestArb, { status: "refused" }), ({ doc, compiled, req }) => {
        expect(statusOf(doc, req.jurisdiction)).toBe("refused");
        const decision = decide(req, compiled);
        expect(decision.items.every((i) => i.action === "withhold")).toBe(true);
        expect(decision.outcome).toBe("reject");
      }),
      params,
    );
  });

  it("never discloses what is end-to-end encrypted or not held", () => {
    fc.assert(
      fc.property(policyArb, several(verifiedRequestArb), ({ doc, compiled }, requests) => {
        for (const req of requests) {
          for (const item of decide(req, compiled).items) {
            const entry = doc.dataMap[item.category];
            if (entry === undefined || entry.e2ee) {
              expect(["hold", "withhold", "unavailable"]).toContain(item.action);
            }
          }
        }
      }),
      params,
    );
  });

  it("never discloses to an unverified agency", () => {
    fc.assert(
      fc.property(policyArb, several(requestArb), ({ compiled }, requests) => {
        for (const generated of requests) {
          const req = { ...generated, agency: { ...generated.agency, verified: false } };
          const decision = decide(req, compiled);
          expect(decision.items.every((i) => i.action === "hold" || i.action === "withhold")).toBe(true);
          expect(decision.needsReview).toBe(false);
        }
      }),
      params,
    );
  });

  it("never discloses on preservation, and preserves only what is held", () => {
    fc.assert(
      fc.property(policyArb, several(verifiedRequestArb), ({ doc, compiled }, requests) => {
        for (const generated of requests) {
          for (const item of decide(withProcess(generated, "preservation"), compiled).items) {
            expect(item.action).not.toBe("disclose");
            if (item.action === "preserve") expect(heldBy(doc, item.category)).toBe(true);
          }
        }
      }),
      params,
    );
  });

  it("decides each category on its own: adding a category never changes the others", () => {
    const strip = (d: Decision, extra: Category) =>
      d.items
        .filter((i) => i.category !== extra)
        .map(({ target, category, action, rule, reason }) => ({ target, category, action, rule, reason }));
    fc.assert(
      fc.property(
        policyArb,
        several(fc.tuple(requestArb, fc.constantFrom(...CATEGORIES))),
        ({ compiled }, requests) => {
          for (const [req, extra] of requests) {
            if (req.categories.includes(extra)) continue;
            const before = decide(req, compiled);
            const after = decide({ ...req, categories: [...req.categories, extra] }, compiled);
            expect(strip(after, extra)).toEqual(strip(before, extra));
          }
        },
      ),
      params,
    );
  });

  it("never lets a weaker process on the ladder unlock more than a stronger one", () => {
    fc.assert(
      fc.property(policyArb, several(verifiedRequestArb), ({ compiled }, requests) => {
        for (const req of requests) {
          const unlocked = PROCESS_LADDER.map((process) => discloses(decide(withProcess(req, process), compiled)));
          for (let weaker = 0; weaker < unlocked.length; weaker++) {
            for (let stronger = weaker + 1; stronger < unlocked.length; stronger++) {
              for (const category of unlocked[weaker] ?? []) {
                const label = `${PROCESS_LADDER[weaker]} unlocks ${category} but ${PROCESS_LADDER[stronger]} does not`;
                expect(unlocked[stronger]?.has(category), label).toBe(true);
              }
            }
          }
        }
      }),
      params,
    );
  });

  it("answers emergencies only for the emergency tiers, and only verified ones where the policy requires it", () => {
    fc.assert(
      fc.property(policyArb, several(emergencyRequestArb), ({ doc, compiled }, requests) => {
        for (const req of requests) {
          const decision = decide(req, compiled);
          const override = [req.jurisdiction, countryOf(req.jurisdiction), "*"]
            .map((key) => doc.jurisdictions[key]?.emergency)
            .find((e) => e !== undefined);
          const emergency = override === undefined ? doc.emergency : override;
          for (const item of decision.items) {
            if (item.action !== "disclose") continue;
            expect(emergency).toBeTruthy();
            expect(emergency?.tiers).toContain(tierOf(item.category));
            if (emergency?.requireVerified) expect(req.emergency?.verified).toBe(true);
          }
          if (decision.items.some((i) => i.action === "disclose")) {
            expect(decision.reviewReasons).toContain("emergency disclosure needs counsel approval");
          }
        }
      }),
      params,
    );
  });

  it("gives the outcome and review flags docs/decision.md derives from the items", () => {
    fc.assert(
      fc.property(policyArb, several(requestArb), ({ doc, compiled }, requests) => {
        for (const req of requests) {
          const decision = decide(req, compiled);
          const actions = decision.items.map((i) => i.action);
          const expected = actions.includes("hold")
            ? "hold"
            : actions.includes("preserve")
              ? "preserve"
              : actions.every((a) => a === "disclose")
                ? "comply_full"
                : actions.includes("disclose")
                  ? "comply_partial"
                  : actions.every((a) => a === "unavailable")
                    ? "no_data"
                    : "reject";
          expect(decision.outcome).toBe(expected);
          if (decision.outcome === "preserve") expect(req.process).toBe("preservation");

          const disclosed = decision.items.filter((i) => i.action === "disclose");
          const content = disclosed.some((i) => tierOf(i.category) === "content");
          const reviewed =
            doc.humanRightsReview.includes(req.jurisdiction) ||
            doc.humanRightsReview.includes(countryOf(req.jurisdiction));
          if (content) expect(decision.reviewReasons).toContain("content disclosure needs counsel approval");
          const mustReview = content || (disclosed.length > 0 && (req.process === "emergency" || reviewed));
          expect(decision.needsReview).toBe(mustReview);
          expect(decision.needsReview).toBe(decision.reviewReasons.length > 0);
        }
      }),
      params,
    );
  });

  it("lists one item per target × category, target-major, the same verdict for every target", () => {
    fc.assert(
      fc.property(policyArb, several(requestArb), ({ compiled }, requests) => {
        for (const req of requests) {
          const decision = decide(req, compiled);
          expect(decision.items).toHaveLength(req.targets.length * req.categories.length);
          decision.items.forEach((item, n) => {
            const target = req.targets[Math.floor(n / req.categories.length)];
            const category = req.categories[n % req.categories.length];
            expect(item.target).toBe(`${target?.type}:${target?.value}`);
            expect(item.category).toBe(category);
            expect(item.rule).toMatch(/\S/);
            expect(item.reason).toMatch(/\S/);
            const first = decision.items[n % req.categories.length];
            expect([item.action, item.rule, item.reason]).toEqual([first?.action, first?.rule, first?.reason]);
          });
          expect(decision.policy).toEqual({ name: "Generated", version: "g1" });
        }
      }),
      params,
    );
  });

  it("is deterministic and leaves its inputs alone", () => {
    fc.assert(
      fc.property(policyArb, several(requestArb), ({ doc, compiled }, requests) => {
        const recompiled = compilePolicy(structuredClone(doc));
        const docSnapshot = structuredClone(doc);
        for (const req of requests) {
          const reqSnapshot = structuredClone(req);
          const first = decide(req, compiled);
          expect(decide(req, compiled)).toEqual(first);
          expect(decide(structuredClone(req), recompiled)).toEqual(first);
          expect(req).toEqual(reqSnapshot);
        }
        expect(doc).toEqual(docSnapshot);
      }),
      params,
    );
  });
});
