import { describe, expect, it } from "vitest";
import { policyYaml, readRepoFile } from "../../test/policy-fixtures.js";
import { REGIMES } from "../domain/vocabulary.js";
import { ValidationError } from "../shared/validation.js";
import { parsePolicyText } from "./policy.load.js";
import { userNoticeRule } from "./user-notice.js";

/** Who tells the user, per regime (docs/policy.md#user-notice): counsel's line, or the regime's default. */

const BASE = "dataMap: {}\nlegalProcess: {}\n";
const doc = (body = "") => parsePolicyText(policyYaml(`${BASE}${body}`), "test.yaml");

describe("user notice per regime", () => {
  it("defaults: the provider tells under US process, OPOs and MLAT; the issuing authority under the EU's (Art. 13)", () => {
    const policy = doc();
    expect(Object.fromEntries(REGIMES.map((r) => [r, userNoticeRule(policy, r).by]))).toEqual({
      us: "provider",
      eu_e_evidence: "issuing_authority",
      uk_us_daa: "provider",
      mlat: "provider",
    });
    const eu = userNoticeRule(policy, "eu_e_evidence");
    expect(eu).toEqual({
      by: "issuing_authority",
      afterDays: 0,
      rule: "the eu_e_evidence regime's default (docs/policy.md#user-notice)",
      reason: expect.stringMatching(/^Regulation \(EU\) 2023\/1543 Art\. 13\(1\).*Art\. 13\(4\)/),
    });
  });

  it("takes counsel's rule where the policy writes one, citing its line", () => {
    const policy = doc(
      "userNotice:\n  eu_e_evidence: { by: provider, afterDays: 30 }\n  us: { by: provider, description: Told through the help centre }\n  mlat: { by: issuing_authority }\n",
    );
    expect(userNoticeRule(policy, "eu_e_evidence")).toEqual({
      by: "provider",
      afterDays: 30,
      rule: "userNotice.eu_e_evidence",
      reason:
        "counsel's rule: the provider tells the user once no non-disclosure order, authority's delay or emergency bars it, 30 days after the answer",
    });
    expect(userNoticeRule(policy, "us")).toMatchObject({ by: "provider", reason: "Told through the help centre" });
    expect(userNoticeRule(policy, "mlat")).toMatchObject({ by: "issuing_authority", rule: "userNotice.mlat" });
    expect(userNoticeRule(policy, "uk_us_daa").rule).toBe(
      "the uk_us_daa regime's default (docs/policy.md#user-notice)",
    );
  });

  it("refuses an unknown regime, an unknown giver and a delay the provider does not control, each at its field", () => {
    let problems: { path: string; message: string }[] = [];
    try {
      doc(
        "userNotice:\n  eu: { by: provider }\n  us: { by: police }\n  mlat: { by: issuing_authority, afterDays: 3 }\n",
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      problems = (error as ValidationError).problems;
    }
    expect(problems.map((p) => p.path).sort()).toEqual([
      "userNotice.eu",
      "userNotice.mlat.afterDays",
      "userNotice.us.by",
    ]);
    expect(problems.find((p) => p.path === "userNotice.eu")?.message).toMatch(/unknown/);
    expect(problems.find((p) => p.path === "userNotice.us.by")?.message).toMatch(
      /unknown "police" \(one of: provider, issuing_authority\)/,
    );
    expect(problems.find((p) => p.path === "userNotice.mlat.afterDays")?.message).toBe(
      "only with by: provider (the issuing authority decides when it informs)",
    );
  });

  it("the EU preset says in its own words what the Regulation's default is", () => {
    const policy = parsePolicyText(readRepoFile("policies/presets/eu-mail.yaml"), "eu-mail.yaml");
    expect(userNoticeRule(policy, "eu_e_evidence")).toMatchObject({
      by: "issuing_authority",
      rule: "userNotice.eu_e_evidence",
    });
    expect(userNoticeRule(policy, "mlat")).toMatchObject({ by: "provider", rule: "userNotice.mlat" });
  });
});
