/** The legal basis and the new target types of the request document (docs/regimes.md, docs/request.md). */
import { describe, expect, it } from "vitest";
import { readRepoFile } from "../../test/policy-fixtures.js";
import { parsePolicyText } from "../policy/policy.load.js";
import { ValidationError } from "../shared/validation.js";
import { parseRequestDocument, targetKey } from "./request.schema.js";

// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;
const example = (name: string): Json => JSON.parse(readRepoFile(`examples/requests/${name}.json`));

function problems(input: unknown) {
  try {
    parseRequestDocument(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

function withBasis(change: (basis: Json, doc: Json) => void, name = "eu-epoc-judge"): Json {
  const doc = example(name);
  change(doc.legalBasis, doc);
  return doc;
}

describe("legalBasis", () => {
  it("parses the example EPOC, EPOC-PR and prosecutor's EPOC", () => {
    for (const name of ["eu-epoc-judge", "eu-epoc-prosecutor", "eu-epoc-pr"]) {
      const parsed = parseRequestDocument(example(name));
      expect(parsed.legalBasis?.regime).toBe("eu_e_evidence");
    }
  });

  it("leaves a document without one as it was: the us regime, no field added", () => {
    const doc = example("us-subpoena");
    expect(parseRequestDocument(doc)).not.toHaveProperty("legalBasis");
  });

  it("refuses an EPOC without its issuing authority, naming the field", () => {
    expect(problems(withBasis((b) => delete b.issuingAuthority))).toEqual([
      { path: "legalBasis.issuingAuthority", message: "required for epoc" },
    ]);
  });

  it("refuses an unknown regime and an instrument of another regime", () => {
    expect(problems(withBasis((b) => (b.regime = "eu")))).toEqual([
      { path: "legalBasis.regime", message: 'unknown regime "eu" (one of: us, eu_e_evidence, uk_us_daa, mlat)' },
    ]);
    expect(problems(withBasis((b) => (b.instrument = "subpoena")))[0]).toEqual({
      path: "legalBasis.instrument",
      message:
        '"subpoena" is not an instrument of the eu_e_evidence regime (one of: epoc, epoc_pr, annex_v_confirmation, annex_vi_extension)',
    });
  });

  it("refuses an unknown authority kind, and a kind that cannot validate", () => {
    expect(problems(withBasis((b) => (b.issuingAuthority.kind = "police")))[0]?.path).toBe(
      "legalBasis.issuingAuthority.kind",
    );
    expect(
      problems(withBasis((b) => (b.validatingAuthority = { name: "Polizei", kind: "other_competent_authority" }))),
    ).toEqual([
      {
        path: "legalBasis.validatingAuthority.kind",
        message: "a other_competent_authority cannot validate an order (Art. 4(1)(b), 4(2)(b))",
      },
    ]);
  });

  it("takes the enforcing State's notification on an EPOC (Art. 8(1)), and refuses one that cannot be", () => {
    expect(parseRequestDocument(example("eu-epoc-judge")).legalBasis?.enforcingNotification).toEqual({
      enforcingState: "DE",
      notifiedAt: "2026-12-01T11:00:00+01:00",
    });
    const notify = (state: string) => (b: Json) => {
      b.enforcingNotification = { enforcingState: state, notifiedAt: "2026-12-01T11:00:00+01:00" };
    };
    expect(problems(withBasis(notify("ES")))).toEqual([
      {
        path: "legalBasis.enforcingNotification.enforcingState",
        message: "must be another State than the issuing State (ES)",
      },
    ]);
    expect(problems(withBasis(notify("DK")))).toEqual([
      {
        path: "legalBasis.enforcingNotification.enforcingState",
        message: '"DK" is not a Member State bound by Regulation (EU) 2023/1543',
      },
    ]);
    expect(problems(withBasis(notify("DE"), "eu-epoc-pr"))).toEqual([
      {
        path: "legalBasis.enforcingNotification",
        message: "only an epoc is notified to the enforcing State (Art. 8(1))",
      },
    ]);
    expect(problems(withBasis((b) => (b.offenceAndPersonInIssuingState = true)))).toEqual([
      {
        path: "legalBasis.offenceAndPersonInIssuingState",
        message: "an order stating Art. 8(2) (offence and person in the issuing State) notifies no enforcing State",
      },
    ]);
    expect(problems(withBasis((b) => (b.enforcingNotification.notifiedAt = "yesterday")))[0]?.path).toBe(
      "legalBasis.enforcingNotification.notifiedAt",
    );
  });

  it("refuses a deadline before the order arrived", () => {
    expect(problems(withBasis((b) => (b.deadline = "2026-11-30T10:00:00Z")))).toEqual([
      {
        path: "legalBasis.deadline",
        message: "must be after receivedAt: a deadline cannot fall before the order arrived",
      },
    ]);
  });

  it("refuses an EPOC without its offence, and an issuing State that is not the jurisdiction's or not bound", () => {
    expect(problems(withBasis((b) => delete b.offence))).toEqual([
      { path: "legalBasis.offence", message: "required for epoc (Art. 5(4) is judged by it)" },
    ]);
    expect(problems(withBasis((b) => (b.issuingState = "FR")))).toEqual([
      { path: "legalBasis.issuingState", message: "must be the request's jurisdiction's country (ES)" },
    ]);
    expect(
      problems(
        withBasis((b, doc) => {
          b.issuingState = "DK";
          doc.jurisdiction = "DK";
        }),
      ),
    ).toEqual([
      { path: "legalBasis.issuingState", message: '"DK" is not a Member State bound by Regulation (EU) 2023/1543' },
    ]);
  });

  it("keeps process and instrument consistent", () => {
    expect(problems(withBasis((_b, doc) => (doc.process = "court_order"), "eu-epoc-pr"))).toEqual([
      {
        path: "process",
        message: 'must be "preservation" for eu_e_evidence epoc_pr (process is "court_order")',
      },
    ]);
    expect(problems(withBasis((b) => (b.emergency = true)))).toEqual([
      { path: "process", message: 'must be "emergency" for eu_e_evidence epoc (emergency) (process is "court_order")' },
      { path: "legalBasis.emergency", message: 'must be false when process is "court_order"' },
    ]);
    expect(problems(withBasis((_b, doc) => (doc.process = "preservation")))[0]?.path).toBe("process");
    const emergency = withBasis((b, doc) => {
      b.emergency = true;
      doc.process = "emergency";
    });
    expect(parseRequestDocument(emergency).legalBasis?.emergency).toBe(true);
    expect(problems(withBasis((b) => (b.instrument = "annex_vi_extension"), "eu-epoc-pr"))).toEqual([
      {
        path: "legalBasis.relatesTo",
        message: "required for annex_vi_extension: the reference of the EPOC-PR it is about",
      },
    ]);
  });
});

describe("targets an EU order may name", () => {
  const target = (t: Json) => ({ ...example("eu-epoc-judge"), targets: [t] });

  it("an IP address needs the moment it was seen and its time zone", () => {
    expect(problems(target({ type: "ip_address", value: "203.0.113.7" }))).toEqual([
      { path: "targets[0].at", message: "required for an ip_address: when it was seen" },
      { path: "targets[0].timeZone", message: "required for an ip_address" },
    ]);
    expect(
      problems(
        target({ type: "ip_address", value: "203.0.113.300", at: "2026-11-30T10:00:00Z", timeZone: "Mars/Olympus" }),
      ),
    ).toEqual([
      { path: "targets[0].timeZone", message: "must be an IANA time zone like Europe/Berlin" },
      { path: "targets[0].value", message: "must be an IPv4 or IPv6 address" },
    ]);
    const v6 = { type: "ip_address", value: "2001:db8::7", at: "2026-11-30T11:00:00+01:00", timeZone: "Europe/Madrid" };
    expect(targetKey(parseRequestDocument(target(v6)).targets[0] as never)).toBe(
      "ip_address:2001:db8::7@2026-11-30T10:00:00.000Z",
    );
  });

  it("the same address at two moments is two targets; at one moment, one", () => {
    const seen = (at: string) => ({ type: "ip_address", value: "203.0.113.7", at, timeZone: "UTC" });
    const doc = { ...example("eu-epoc-judge"), targets: [seen("2026-11-30T10:00:00Z"), seen("2026-11-30T11:00:00Z")] };
    expect(parseRequestDocument(doc).targets).toHaveLength(2);
    const twice = { ...doc, targets: [seen("2026-11-30T10:00:00Z"), seen("2026-11-30T11:00:00+01:00")] };
    expect(problems(twice)[0]?.path).toBe("targets[1]");
  });

  it("an IMEI with its check digit, a MAC address; no moment on anything else", () => {
    expect(parseRequestDocument(target({ type: "imei", value: "490154203237518" })).targets).toHaveLength(1);
    expect(problems(target({ type: "imei", value: "490154203237519" }))).toEqual([
      { path: "targets[0].value", message: "must be a 15-digit IMEI with its check digit" },
    ]);
    expect(parseRequestDocument(target({ type: "mac_address", value: "00:1A:2b:3c:4d:5e" })).targets).toHaveLength(1);
    expect(problems(target({ type: "mac_address", value: "00:1a-2b:3c:4d:5e" }))[0]?.path).toBe("targets[0].value");
    expect(problems(target({ type: "email", value: "a@example.org", port: 443 }))).toEqual([
      { path: "targets[0].port", message: "only an ip_address target has one" },
    ]);
  });
});

describe("regimes.eu_e_evidence in the policy", () => {
  it("places a category in one of the four, not two", () => {
    const text = readRepoFile("policies/presets/eu-mail.yaml").replace(
      "traffic: [records.connections,",
      "traffic: [subscriber.email, records.connections,",
    );
    expect(() => parsePolicyText(text, "twice.yaml")).toThrow(
      'regimes.eu_e_evidence.categories.traffic[0]: "subscriber.email" is already placed under subscriber',
    );
  });
});
