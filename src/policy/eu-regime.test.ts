/**
 * The EU decision axis (docs/regimes.md#the-decision): category × issuing authority × offence, under the
 * Postfach preset (policies/presets/eu-mail.yaml) and the example EPOC / EPOC-PR documents.
 */
import { describe, expect, it } from "vitest";
import { exampleRequestFiles, PRESET_NAMES, preset, readRepoFile } from "../../test/policy-fixtures.js";
import { parseRequestDocument } from "../domain/request.schema.js";
import { type CompiledPolicy, type Decision, decide } from "./engine.js";
import { loadPolicy } from "./policy.load.js";

const POSTFACH = loadPolicy(readRepoFile("policies/presets/eu-mail.yaml"), "eu-mail.yaml");
const EXAMPLE = loadPolicy(readRepoFile("policies/example.yaml"), "example.yaml");

// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;
const example = (name: string): Json => JSON.parse(readRepoFile(`examples/requests/${name}.json`));

/** The judge's EPOC with its legal basis (and anything else) changed. */
function epoc(basis: Json = {}, rest: Json = {}): Json {
  const doc = example("eu-epoc-judge");
  return { ...doc, ...rest, legalBasis: { ...doc.legalBasis, ...basis } };
}

function decideJson(doc: Json, policy: CompiledPolicy = POSTFACH): Decision {
  return decide(parseRequestDocument(doc), policy);
}

function byCategory(decision: Decision) {
  return Object.fromEntries(decision.items.map((i) => [i.category, i]));
}

const PROSECUTOR = { name: "Procura della Repubblica di Milano", kind: "public_prosecutor" };
const JUDGE = { name: "Tribunale di Milano, GIP", kind: "judge" };

describe("a public prosecutor's EPOC", () => {
  const decision = decideJson(example("eu-epoc-prosecutor"));
  const items = byCategory(decision);

  it("produces subscriber and identification data (Art. 4(1))", () => {
    for (const category of ["subscriber.email", "subscriber.created_at", "records.ip_logs"]) {
      expect(items[category]?.action).toBe("disclose");
      expect(items[category]?.refusal).toBeUndefined();
    }
    expect(items["subscriber.email"]?.rule).toBe("regimes.eu_e_evidence.categories.subscriber");
    expect(items["records.ip_logs"]?.rule).toBe("regimes.eu_e_evidence.categories.identification");
    expect(items["records.ip_logs"]?.reason).toContain("Art. 3(10)");
  });

  it("answers traffic and content with a refusal on Annex III citing Art. 4(2), not a silent withhold", () => {
    for (const [category, line] of [
      ["records.connections", "traffic"],
      ["content.messages", "content"],
    ] as const) {
      expect(items[category]).toMatchObject({
        action: "withhold",
        rule: `regimes.eu_e_evidence.categories.${line}`,
        refusal: { form: "annex_iii", ground: "issuing_authority", article: "Art. 4(2)" },
      });
      expect(items[category]?.reason).toContain("public prosecutor");
      expect(items[category]?.reason).toContain("Art. 4(2)");
    }
    expect(decision.outcome).toBe("comply_partial");
    expect(decision.needsReview).toBe(true);
    expect(decision.reviewReasons.join(" ")).toMatch(/fails Art\. 4\(2\).*2 of its categories.*Annex III/);
  });

  it("is answered in full once a judge validates it", () => {
    const validated = decideJson({
      ...example("eu-epoc-prosecutor"),
      legalBasis: { ...example("eu-epoc-prosecutor").legalBasis, validatingAuthority: JUDGE },
    });
    expect(validated.items.every((i) => i.action === "disclose")).toBe(true);
    expect(validated.items.find((i) => i.category === "content.messages")?.reason).toContain("validated by a judge");
  });

  it("names the IP address target with the moment it was seen, in UTC", () => {
    expect(decision.items.map((i) => i.target)).toContain("ip_address:203.0.113.74@2026-11-29T21:41:09.000Z:51234");
  });
});

describe("the offence threshold of Art. 5(4)", () => {
  const trafficAction = (offence: Json) => byCategory(decideJson(epoc({ offence })))["records.connections"];

  it("opens traffic and content at a maximum sentence of 36 months, not 35", () => {
    expect(trafficAction({ category: "other", maximumSentenceMonths: 36 })?.action).toBe("disclose");
    const below = trafficAction({ category: "other", maximumSentenceMonths: 35 });
    expect(below).toMatchObject({
      action: "withhold",
      refusal: { form: "annex_iii", ground: "offence_threshold", article: "Art. 5(4)" },
    });
    expect(below?.reason).toContain("35 months");
  });

  it("opens them for a listed offence committed by means of an information system, whatever the sentence", () => {
    expect(
      trafficAction({ category: "child_sexual_abuse", maximumSentenceMonths: 12, byInformationSystem: true })?.action,
    ).toBe("disclose");
    expect(trafficAction({ category: "child_sexual_abuse", maximumSentenceMonths: 12 })?.action).toBe("withhold");
    expect(trafficAction({ category: "terrorism", maximumSentenceMonths: 12 })?.action).toBe("disclose");
  });

  it("does not apply to subscriber data (Art. 5(3): any criminal offence)", () => {
    const decision = decideJson(epoc({ offence: { category: "other", maximumSentenceMonths: 1 } }));
    expect(byCategory(decision)["subscriber.name"]?.action).toBe("disclose");
    expect(byCategory(decision)["subscriber.name"]?.reason).toContain("Art. 5(3)");
  });
});

describe("who may issue", () => {
  it("refuses an unvalidated order of another competent authority for every category (Art. 4(1), 4(2))", () => {
    const decision = decideJson(
      epoc({ issuingAuthority: { name: "Policía Nacional", kind: "other_competent_authority" } }),
    );
    expect(decision.outcome).toBe("reject");
    const items = byCategory(decision);
    expect(items["subscriber.name"]?.refusal?.article).toBe("Art. 4(1)");
    expect(items["content.messages"]?.refusal?.article).toBe("Art. 4(2)");
  });

  it("takes a prosecutor's validation of another authority's order for subscriber data only", () => {
    const decision = decideJson(
      epoc({
        issuingAuthority: { name: "Policía Nacional", kind: "other_competent_authority" },
        validatingAuthority: PROSECUTOR,
      }),
    );
    const items = byCategory(decision);
    expect(items["subscriber.name"]?.action).toBe("disclose");
    expect(items["records.connections"]?.refusal?.ground).toBe("issuing_authority");
  });

  it("lets a prosecutor preserve any category on an EPOC-PR (Art. 4(3)), and keeps the data without disclosing", () => {
    const decision = decideJson(example("eu-epoc-pr"));
    expect(decision.outcome).toBe("preserve");
    expect(decision.items.every((i) => i.action === "preserve")).toBe(true);
    expect(decision.items[0]?.reason).toContain("Art. 11");
  });

  it("refuses an EPOC-PR of an unvalidated other authority, citing Art. 4(3)", () => {
    const doc = example("eu-epoc-pr");
    doc.legalBasis.issuingAuthority = { name: "Politie", kind: "other_competent_authority" };
    const decision = decideJson(doc);
    expect(decision.items.every((i) => i.refusal?.article === "Art. 4(3)")).toBe(true);
  });
});

describe("what comes before and after the Regulation", () => {
  it("a paused jurisdiction holds an EU order, and an unverified agency gets nothing, before any refusal", () => {
    const paused = loadPolicy(
      readRepoFile("policies/presets/eu-mail.yaml").replace(
        '  "*": { status: active }\n',
        '  "*": { status: active }\n  ES: { status: paused, reason: "test" }\n',
      ),
      "paused.yaml",
    );
    expect(decideJson(epoc({ offence: { category: "other", maximumSentenceMonths: 1 } }), paused).outcome).toBe("hold");
    const unverified = decideJson(
      epoc(
        { issuingAuthority: { name: "x", kind: "other_competent_authority" } },
        { agency: { ...epoc().agency, verified: false } },
      ),
    );
    expect(unverified.items.every((i) => i.rule === "agency.verified" && i.refusal === undefined)).toBe(true);
  });

  it("answers what is not held as unavailable, but only to an order entitled to it", () => {
    const entitled = byCategory(decideJson(epoc({}, { categories: ["content.posts", "records.groups"] })));
    expect(entitled["content.posts"]?.action).toBe("withhold");
    expect(entitled["content.posts"]?.rule).toBe("regimes.eu_e_evidence.categories");
    const held = byCategory(decideJson(epoc({}, { categories: ["subscriber.name"], dateRange: null })));
    expect(held["subscriber.name"]?.action).toBe("disclose");
    // records.ip_logs is kept 7 days: a period that ended before that is unavailable, to a judge's order too.
    const old = byCategory(
      decideJson(epoc({}, { categories: ["records.ip_logs"], dateRange: { from: "2026-01-01", to: "2026-01-31" } })),
    );
    expect(old["records.ip_logs"]).toMatchObject({
      action: "unavailable",
      rule: "dataMap.records.ip_logs.retentionDays",
    });
  });

  it("a policy without regimes.eu_e_evidence withholds every item and asks counsel", () => {
    const decision = decideJson(example("eu-epoc-judge"), EXAMPLE);
    expect(decision.items.every((i) => i.action === "withhold" && i.rule === "regimes")).toBe(true);
    expect(decision.reviewReasons).toContain("an EU order under a policy without regimes.eu_e_evidence needs counsel");
  });
});

describe("the other regimes", () => {
  it("a legal basis of the us, uk_us_daa or mlat regime decides exactly as the process alone does, under every preset", () => {
    const bases: Array<(doc: Json) => Json | undefined> = [
      (doc) =>
        [
          "subpoena",
          "court_order",
          "search_warrant",
          "emergency",
          "preservation",
          "national_security",
          "informal",
        ].includes(doc.process)
          ? { regime: "us", instrument: doc.process, emergency: doc.process === "emergency" }
          : undefined,
      (doc) => (doc.process === "mlat" ? { regime: "mlat", instrument: "mlat" } : undefined),
      (doc) =>
        doc.process === "preservation"
          ? undefined
          : { regime: "uk_us_daa", instrument: "overseas_production_order", emergency: doc.process === "emergency" },
    ];
    let compared = 0;
    for (const file of exampleRequestFiles().filter((f) => !f.startsWith("eu-"))) {
      const doc = JSON.parse(readRepoFile(`examples/requests/${file}`)) as Json;
      for (const basisOf of bases) {
        const legalBasis = basisOf(doc);
        if (!legalBasis) continue;
        const policies = [...PRESET_NAMES.map((name) => preset(name)), POSTFACH, EXAMPLE];
        for (const policy of policies) {
          expect(decideJson({ ...doc, legalBasis }, policy)).toEqual(decideJson(doc, policy));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
