import { describe, expect, it } from "vitest";
import { PRESET_NAMES, policyYaml, presetText, readRepoFile } from "../../test/policy-fixtures.js";
import { ValidationError } from "../shared/validation.js";
import { loadPolicy, parsePolicyText } from "./policy.load.js";
import { policyDocumentSchema } from "./policy.schema.js";

/** The example in docs/policy.md, verbatim. */
const DOCS_EXAMPLE = `policy: 1
name: ExampleChat
version: "2020-07-06"
dataMap:                          # what the provider holds; a category absent here is not held
  subscriber.phone:   { }
  subscriber.ip_address: { }
  records.ip_logs:    { retentionDays: 90 }
  content.messages:   { e2ee: true }   # held only as ciphertext: cannot be produced
legalProcess:                     # which process unlocks which tier
  subscriber: [subpoena, court_order, search_warrant]
  records:    [court_order, search_warrant]
  content:    [search_warrant]
emergency: { tiers: [subscriber, records], requireVerified: true }
jurisdictions:
  "*": { status: active }
  HK:  { status: paused, since: "2020-07-06", reason: "National Security Law: pending human-rights assessment" }
  DE:  { legalProcess: { content: [mlat] } }      # per-jurisdiction override of legalProcess / emergency
humanRightsReview: [RU]           # disclosures here need counsel sign-off on the standards checklist
rules:                            # exceptions that grant more, checked after legalProcess
  - id: terror-court-order
    when: { process: court_order, findings: [terrorism_suspect] }
    grant: [subscriber.ip_address, subscriber.phone]
`;

const MINIMAL = "dataMap: {}\nlegalProcess: {}\n";

function rejection(text: string, source?: string): ValidationError {
  try {
    parsePolicyText(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected a ValidationError for:\n${text}`);
}

const problemsOf = (body: string) => rejection(policyYaml(body)).problems;

describe("policy document (docs/policy.md)", () => {
  it("parses the design's example verbatim", () => {
    const doc = parsePolicyText(DOCS_EXAMPLE, "example.yaml");
    expect(doc.name).toBe("ExampleChat");
    expect(doc.version).toBe("2020-07-06");
    expect(doc.dataMap).toEqual({
      "subscriber.phone": { e2ee: false },
      "subscriber.ip_address": { e2ee: false },
      "records.ip_logs": { retentionDays: 90, e2ee: false },
      "content.messages": { e2ee: true },
    });
    expect(doc.legalProcess).toEqual({
      subscriber: ["subpoena", "court_order", "search_warrant"],
      records: ["court_order", "search_warrant"],
      content: ["search_warrant"],
    });
    expect(doc.emergency).toEqual({ tiers: ["subscriber", "records"], requireVerified: true });
    expect(doc.jurisdictions).toEqual({
      "*": { status: "active" },
      HK: { status: "paused", since: "2020-07-06", reason: "National Security Law: pending human-rights assessment" },
      DE: { legalProcess: { content: ["mlat"] } },
    });
    expect(doc.humanRightsReview).toEqual(["RU"]);
    expect(doc.rules).toEqual([
      {
        id: "terror-court-order",
        when: { process: "court_order", findings: ["terrorism_suspect"] },
        grant: ["subscriber.ip_address", "subscriber.phone"],
      },
    ]);
    expect(() => loadPolicy(DOCS_EXAMPLE)).not.toThrow();
  });

  it("keeps an unquoted date version a string (YAML 1.2 core) and defaults the optional sections", () => {
    const doc = parsePolicyText(`policy: 1\nname: X\nversion: 2020-07-06\n${MINIMAL}`);
    expect(doc.version).toBe("2020-07-06");
    expect(doc.jurisdictions).toEqual({});
    expect(doc.humanRightsReview).toEqual([]);
    expect(doc.rules).toEqual([]);
  });

  it("reads a bare data-map key (YAML null) as held, not encrypted", () => {
    const doc = parsePolicyText(policyYaml("dataMap:\n  subscriber.phone:\nlegalProcess: {}\n"));
    expect(doc.dataMap["subscriber.phone"]).toEqual({ e2ee: false });
  });

  it.each([...PRESET_NAMES])("parses and compiles the %s preset", (name) => {
    const doc = parsePolicyText(presetText(name), `${name}.yaml`);
    expect(doc.policy).toBe(1);
    expect(doc.name.toLowerCase()).toBe(name);
    expect(() => loadPolicy(presetText(name))).not.toThrow();
  });

  it("parses and compiles policies/example.yaml", () => {
    const doc = parsePolicyText(readRepoFile("policies/example.yaml"), "example.yaml");
    expect(doc.name).toBe("ExampleChat");
    expect(loadPolicy(readRepoFile("policies/example.yaml")).name).toBe("ExampleChat");
  });

  it("rejects an unknown tier, naming the key", () => {
    const error = rejection(policyYaml("dataMap: {}\nlegalProcess: { secrets: [subpoena] }\n"), "p.yaml");
    expect(error.problems).toEqual([
      { path: "legalProcess.secrets", message: 'unknown tier "secrets" (one of: subscriber, records, content)' },
    ]);
    expect(error.message).toBe(
      'p.yaml: legalProcess.secrets: unknown tier "secrets" (one of: subscriber, records, content)',
    );
  });

  it("rejects an unknown tier in emergency.tiers and in a jurisdiction override", () => {
    expect(problemsOf(`${MINIMAL}emergency: { tiers: [secrets] }\n`)).toEqual([
      { path: "emergency.tiers[0]", message: 'unknown tier "secrets" (one of: subscriber, records, content)' },
    ]);
    expect(problemsOf(`${MINIMAL}jurisdictions: { DE: { legalProcess: { secrets: [mlat] } } }\n`)).toEqual([
      {
        path: "jurisdictions.DE.legalProcess.secrets",
        message: 'unknown tier "secrets" (one of: subscriber, records, content)',
      },
    ]);
  });

  it("rejects an unknown process", () => {
    expect(problemsOf("dataMap: {}\nlegalProcess: { subscriber: [subpoena, warrant] }\n")).toEqual([
      {
        path: "legalProcess.subscriber[1]",
        message:
          'unknown process "warrant" (one of: subpoena, court_order, search_warrant, emergency, preservation, mlat, national_security, informal)',
      },
    ]);
    const inRule = problemsOf(
      `${MINIMAL}rules:\n  - id: r\n    when: { process: warrant }\n    grant: [subscriber.phone]\n`,
    );
    expect(inRule.map((p) => p.path)).toEqual(["rules[0].when.process"]);
    expect(inRule[0]?.message).toMatch(/^unknown process "warrant"/);
  });

  it("rejects emergency and preservation where they could never fire", () => {
    expect(problemsOf("dataMap: {}\nlegalProcess: { subscriber: [emergency] }\n")).toEqual([
      {
        path: "legalProcess.subscriber[0]",
        message: '"emergency" is decided by its own step (the emergency section, or preservation), not here',
      },
    ]);
    const inRule = problemsOf(
      `${MINIMAL}rules:\n  - id: r\n    when: { process: preservation }\n    grant: [subscriber.phone]\n`,
    );
    expect(inRule.map((p) => p.path)).toEqual(["rules[0].when.process"]);
  });

  it("rejects an unknown category in dataMap and in a rule's grant", () => {
    expect(problemsOf("dataMap: { content.thoughts: {} }\nlegalProcess: {}\n")).toEqual([
      { path: 'dataMap["content.thoughts"]', message: 'unknown category "content.thoughts"' },
    ]);
    expect(
      problemsOf(
        `${MINIMAL}rules:\n  - id: r\n    when: { process: subpoena }\n    grant: [subscriber.phone, content.thoughts]\n`,
      ),
    ).toEqual([{ path: "rules[0].grant[1]", message: 'unknown category "content.thoughts"' }]);
  });

  it("rejects an unknown jurisdiction key and an unknown jurisdiction in humanRightsReview", () => {
    expect(problemsOf(`${MINIMAL}jurisdictions: { ZZ: { status: active } }\n`)).toEqual([
      { path: "jurisdictions.ZZ", message: 'unknown country code "ZZ"' },
    ]);
    expect(problemsOf(`${MINIMAL}jurisdictions: { hk: { status: paused } }\n`)).toEqual([
      { path: "jurisdictions.hk", message: '"hk" is not an ISO 3166 code like "HK" or "US-CA"' },
    ]);
    expect(problemsOf(`${MINIMAL}humanRightsReview: [RU, ZZ]\n`)).toEqual([
      { path: "humanRightsReview[1]", message: 'unknown country code "ZZ"' },
    ]);
    expect(
      problemsOf(
        `${MINIMAL}rules:\n  - id: r\n    when: { process: subpoena, jurisdictions: [XX] }\n    grant: [subscriber.phone]\n`,
      ),
    ).toEqual([{ path: "rules[0].when.jurisdictions[0]", message: 'unknown country code "XX"' }]);
    // Subdivisions and the default key are fine.
    expect(() => parsePolicyText(policyYaml(`${MINIMAL}jurisdictions: { "*": {}, US-CA: {} }\n`))).not.toThrow();
  });

  it("rejects an unknown jurisdiction status", () => {
    const problems = problemsOf(`${MINIMAL}jurisdictions: { HK: { status: frozen } }\n`);
    expect(problems).toEqual([
      { path: "jurisdictions.HK.status", message: 'must be one of "active", "paused", "refused"' },
    ]);
  });

  it("rejects unknown fields at every level", () => {
    expect(problemsOf(`${MINIMAL}owner: legal\n`)).toEqual([{ path: "owner", message: "unknown field" }]);
    expect(problemsOf(`${MINIMAL}jurisdictions: { HK: { status: paused, colour: red } }\n`)).toEqual([
      { path: "jurisdictions.HK.colour", message: "unknown field" },
    ]);
    expect(problemsOf("dataMap: { subscriber.phone: { encrypted: true } }\nlegalProcess: {}\n")).toEqual([
      { path: 'dataMap["subscriber.phone"].encrypted', message: "unknown field" },
    ]);
    expect(problemsOf(`${MINIMAL}emergency: { tiers: [subscriber], verified: true }\n`)).toEqual([
      { path: "emergency.verified", message: "unknown field" },
    ]);
    expect(
      problemsOf(
        `${MINIMAL}rules:\n  - id: r\n    when: { process: subpoena, agency: x }\n    grant: [subscriber.phone]\n`,
      ),
    ).toEqual([{ path: "rules[0].when.agency", message: "unknown field" }]);
  });

  it("rejects duplicate rule ids, naming the second", () => {
    const rule = (id: string) => `  - id: ${id}\n    when: { process: subpoena }\n    grant: [subscriber.phone]\n`;
    expect(problemsOf(`${MINIMAL}rules:\n${rule("a")}${rule("b")}${rule("a")}`)).toEqual([
      { path: "rules[2].id", message: '"a" is used twice' },
    ]);
  });

  it("rejects a rule with an empty when (or one naming only jurisdictions)", () => {
    const message = "must name a process or findings: a rule that matches every request is not an exception";
    expect(problemsOf(`${MINIMAL}rules:\n  - id: r\n    when: {}\n    grant: [subscriber.phone]\n`)).toEqual([
      { path: "rules[0].when", message },
    ]);
    expect(
      problemsOf(`${MINIMAL}rules:\n  - id: r\n    when: { jurisdictions: [US] }\n    grant: [subscriber.phone]\n`),
    ).toEqual([{ path: "rules[0].when", message }]);
  });

  it("rejects a rule id that is not a slug and a rule that grants nothing", () => {
    expect(
      problemsOf(
        `${MINIMAL}rules:\n  - id: Terror Rule\n    when: { process: subpoena }\n    grant: [subscriber.phone]\n`,
      ),
    ).toEqual([{ path: "rules[0].id", message: "must be a lower-case slug like terror-court-order" }]);
    expect(problemsOf(`${MINIMAL}rules:\n  - id: r\n    when: { process: subpoena }\n    grant: []\n`)).toEqual([
      { path: "rules[0].grant", message: "must not be empty" },
    ]);
  });

  it("rejects a version given as a number, and a policy format other than 1", () => {
    expect(rejection(`policy: 1\nname: X\nversion: 2020\n${MINIMAL}`).problems).toEqual([
      { path: "version", message: 'must be a quoted string like "2020-07-06" (YAML reads 2020 as a number)' },
    ]);
    expect(rejection(`policy: 2\nname: X\nversion: "1"\n${MINIMAL}`).problems).toEqual([
      { path: "policy", message: "must be 1 (the only policy format version)" },
    ]);
  });

  it("rejects bad data-map values", () => {
    expect(problemsOf("dataMap: { records.ip_logs: { retentionDays: 0 } }\nlegalProcess: {}\n")).toEqual([
      { path: 'dataMap["records.ip_logs"].retentionDays', message: "must be at least 1" },
    ]);
    expect(problemsOf("dataMap: { content.messages: { e2ee: yes } }\nlegalProcess: {}\n")).toEqual([
      { path: 'dataMap["content.messages"].e2ee', message: "expected boolean, got a string" },
    ]);
  });

  it("rejects YAML syntax errors, giving the line", () => {
    const error = rejection(policyYaml("dataMap: {\nlegalProcess: {}\n"), "broken.yaml");
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(error.problems[0]?.message).toMatch(/^not valid YAML: /);
    expect(error.message).toMatch(/^broken\.yaml: line \d+, column \d+: not valid YAML: /);
  });

  it("rejects duplicate YAML keys, giving the line of the second", () => {
    const error = rejection(`policy: 1\nname: X\nname: Y\nversion: "1"\n${MINIMAL}`);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe("line 3, column 1");
    expect(error.problems[0]?.message).toMatch(/^not valid YAML: Map keys must be unique/);
    const nested = rejection(
      policyYaml("dataMap:\n  subscriber.phone: {}\n  subscriber.phone: {}\nlegalProcess: {}\n"),
    );
    expect(nested.problems[0]?.path).toBe("line 6, column 3");
  });

  it("rejects a document that is not a mapping", () => {
    expect(rejection("- 1\n- 2\n").problems).toEqual([{ path: "", message: "expected object, got a list" }]);
    expect(rejection("").problems[0]?.message).toMatch(/^expected object/);
  });

  it("the exported schema agrees with parsePolicyText", () => {
    const doc = parsePolicyText(DOCS_EXAMPLE);
    expect(policyDocumentSchema.parse(doc)).toEqual(doc);
  });
});
