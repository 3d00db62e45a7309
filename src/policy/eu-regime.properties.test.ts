/**
 * Properties of the EU decision axis (docs/regimes.md#the-decision) over generated EU orders and generated
 * policies placing their categories among the four of Art. 3. Both go through their schemas.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRequestDocument, type RequestDocument } from "../domain/request.schema.js";
import {
  AUTHORITY_KINDS,
  type AuthorityKind,
  CATEGORIES,
  type Category,
  E_EVIDENCE_STATES,
  EU_DATA_CATEGORIES,
  type EuDataCategory,
  OFFENCE_CATEGORIES,
} from "../domain/vocabulary.js";
import { type CompiledPolicy, compilePolicy, decide } from "./engine.js";
import { policyDocumentSchema } from "./policy.schema.js";

const RUNS = 250;
const JUDICIAL: readonly AuthorityKind[] = ["judge", "court", "investigating_judge"];

interface Generated {
  policy: CompiledPolicy;
  placed: Map<Category, EuDataCategory>;
}

const policyArb: fc.Arbitrary<Generated> = fc
  .record({
    // Each category is held or not, in the clear or not, and placed in one EU category or none.
    entries: fc.tuple(
      ...CATEGORIES.map((category) =>
        fc.record({
          category: fc.constant(category),
          held: fc.boolean(),
          e2ee: fc.boolean(),
          placed: fc.option(fc.constantFrom(...EU_DATA_CATEGORIES), { freq: 5 }),
        }),
      ),
    ),
    paused: fc.subarray(["DE", "FR", "ES"]),
  })
  .map(({ entries, paused }) => {
    const categories: Record<string, Category[]> = {};
    const placed = new Map<Category, EuDataCategory>();
    for (const entry of entries) {
      if (entry.placed === null) continue;
      categories[entry.placed] = [...(categories[entry.placed] ?? []), entry.category];
      placed.set(entry.category, entry.placed);
    }
    const doc = policyDocumentSchema.parse({
      policy: 1,
      name: "Generated EU",
      version: "g1",
      dataMap: Object.fromEntries(entries.filter((e) => e.held).map((e) => [e.category, { e2ee: e.e2ee }])),
      legalProcess: { subscriber: ["subpoena"], records: ["court_order"], content: ["search_warrant"] },
      jurisdictions: Object.fromEntries(paused.map((code) => [code, { status: "paused" }])),
      regimes: { eu_e_evidence: { categories } },
    });
    return { policy: compilePolicy(doc), placed };
  });

const authorityArb = (kinds: readonly AuthorityKind[]) =>
  fc.record({ name: fc.constant("Generated authority"), kind: fc.constantFrom(...kinds) });

const orderArb: fc.Arbitrary<RequestDocument> = fc
  .record({
    state: fc.constantFrom(...E_EVIDENCE_STATES),
    instrument: fc.constantFrom("epoc", "epoc", "epoc_pr"),
    emergency: fc.boolean(),
    issuer: authorityArb(AUTHORITY_KINDS),
    validator: fc.option(authorityArb(["judge", "court", "investigating_judge", "public_prosecutor"]), {
      nil: undefined,
    }),
    offence: fc.record({
      category: fc.constantFrom(...OFFENCE_CATEGORIES),
      maximumSentenceMonths: fc.oneof(fc.integer({ min: 0, max: 240 }), fc.constantFrom(35, 36)),
      byInformationSystem: fc.boolean(),
    }),
    categories: fc.subarray([...CATEGORIES], { minLength: 1 }),
    agencyVerified: fc.constantFrom(true, true, true, false),
  })
  .map((o) => {
    const emergency = o.instrument === "epoc" && o.emergency;
    return parseRequestDocument({
      reference: "EU-GEN-1",
      receivedAt: "2026-12-01T10:00:00Z",
      jurisdiction: o.state,
      agency: { name: "Generated agency", email: "officer@agency.eu", verified: o.agencyVerified },
      process: o.instrument === "epoc_pr" ? "preservation" : emergency ? "emergency" : "court_order",
      targets: [{ type: "email", value: "someone@example.org" }],
      categories: o.categories,
      legalBasis: {
        regime: "eu_e_evidence",
        instrument: o.instrument,
        issuingAuthority: o.issuer,
        ...(o.validator ? { validatingAuthority: o.validator } : {}),
        issuingState: o.state,
        offence: o.offence,
        emergency,
      },
    });
  });

const judicial = (order: RequestDocument) => {
  const basis = order.legalBasis;
  const kinds = [basis?.issuingAuthority?.kind, basis?.validatingAuthority?.kind];
  return kinds.some((k) => k !== undefined && JUDICIAL.includes(k));
};

const meetsThreshold = (order: RequestDocument) => {
  const offence = order.legalBasis?.offence;
  if (!offence) return false;
  if (offence.maximumSentenceMonths >= 36 || offence.category === "terrorism") return true;
  return offence.category !== "other" && offence.byInformationSystem;
};

describe("EU orders (properties)", () => {
  it("traffic and content are produced only on a judicial issuer or validator and an offence meeting Art. 5(4)", () => {
    fc.assert(
      fc.property(policyArb, orderArb, ({ policy, placed }, order) => {
        for (const item of decide(order, policy).items) {
          if (item.action !== "disclose") continue;
          const eu = placed.get(item.category);
          expect(eu).toBeDefined();
          expect(order.legalBasis?.instrument).toBe("epoc");
          if (eu === "traffic" || eu === "content") {
            expect(judicial(order)).toBe(true);
            expect(meetsThreshold(order)).toBe(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a prosecutor's unvalidated EPOC never discloses traffic or content, and answers each such item with a refusal", () => {
    fc.assert(
      fc.property(policyArb, orderArb, ({ policy, placed }, generated) => {
        const basis = generated.legalBasis;
        if (!basis) return;
        const order: RequestDocument = {
          ...generated,
          process: basis.emergency ? "emergency" : "court_order",
          legalBasis: {
            ...basis,
            instrument: "epoc",
            issuingAuthority: { name: "Parquet", kind: "public_prosecutor" },
            validatingAuthority: undefined,
          },
        };
        const decision = decide(order, policy);
        const paused = decision.outcome === "hold";
        for (const item of decision.items) {
          const eu = placed.get(item.category);
          if (eu !== "traffic" && eu !== "content") continue;
          expect(item.action).not.toBe("disclose");
          if (!paused && order.agency.verified) {
            expect(item).toMatchObject({
              action: "withhold",
              refusal: { ground: "issuing_authority", article: "Art. 4(2)" },
            });
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("every refusal is a withheld item whose reason cites its article and whose rule is the policy line placing it", () => {
    fc.assert(
      fc.property(policyArb, orderArb, ({ policy, placed }, order) => {
        const decision = decide(order, policy);
        const refusals = decision.items.filter((i) => i.refusal);
        for (const item of refusals) {
          expect(item.action).toBe("withhold");
          expect(item.reason).toContain(item.refusal?.article);
          expect(item.reason).toContain("Annex III");
          expect(item.rule).toBe(`regimes.eu_e_evidence.categories.${placed.get(item.category)}`);
        }
        expect(decision.reviewReasons.some((r) => r.includes("Annex III"))).toBe(refusals.length > 0);
        if (refusals.length > 0) expect(decision.needsReview).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("a judge's validation never takes anything away", () => {
    fc.assert(
      fc.property(policyArb, orderArb, ({ policy }, order) => {
        const basis = order.legalBasis;
        if (!basis) return;
        const validated: RequestDocument = {
          ...order,
          legalBasis: { ...basis, validatingAuthority: { name: "Judge", kind: "judge" } },
        };
        const before = decide(order, policy).items;
        const after = decide(validated, policy).items;
        before.forEach((item, i) => {
          if (item.action === "disclose") expect(after[i]?.action).toBe("disclose");
          if (item.action === "preserve") expect(after[i]?.action).toBe("preserve");
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("an EPOC-PR discloses nothing", () => {
    fc.assert(
      fc.property(policyArb, orderArb, ({ policy }, order) => {
        if (order.legalBasis?.instrument !== "epoc_pr") return;
        expect(decide(order, policy).items.every((i) => i.action !== "disclose")).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
