/** The Annex III reasons the decision in force gives by itself, and how the staff's own are merged with them. */
import { describe, expect, it } from "vitest";
import type { DecisionItem } from "../policy/engine.js";
import { annexIIIReasonsFromDecision, mergeReasons } from "./forms.js";

const item = (over: Partial<DecisionItem>): DecisionItem => ({
  target: "email:k.morel@example.org",
  category: "content.messages",
  action: "disclose",
  rule: "regimes.eu_e_evidence.categories.content",
  reason: "the policy's own words, naming its lines",
  ...over,
});

describe("annexIIIReasonsFromDecision", () => {
  it("an end-to-end-encrypted or not-held item is 'data not stored', without the policy's words", () => {
    const reasons = annexIIIReasonsFromDecision([
      item({ action: "unavailable", reason: "end-to-end encrypted: the provider holds no key" }),
      item({ category: "records.ip_logs", action: "unavailable", reason: "not held" }),
      item({ category: "subscriber.name", action: "disclose" }),
    ]);
    expect(reasons).toEqual([
      {
        code: "data_not_stored",
        text: "The data requested were not stored when the certificate was received",
        items: [
          { target: "email:k.morel@example.org", category: "content.messages" },
          { target: "email:k.morel@example.org", category: "records.ip_logs" },
        ],
      },
    ]);
    expect(JSON.stringify(reasons)).not.toContain("policy");
  });

  it("refusals by Art. 4 are 'not a competent authority', by Art. 5(4) 'other' citing the article", () => {
    const reasons = annexIIIReasonsFromDecision([
      item({ action: "withhold", refusal: { form: "annex_iii", ground: "issuing_authority", article: "Art. 4(2)" } }),
      item({
        category: "records.connections",
        action: "withhold",
        refusal: { form: "annex_iii", ground: "offence_threshold", article: "Art. 5(4)" },
      }),
    ]);
    expect(reasons.map((r) => r.code)).toEqual(["not_competent_authority", "other"]);
    expect(reasons[0]?.explanation).toContain("Art. 4(2)");
    expect(reasons[1]?.explanation).toContain("Art. 5(4)");
    expect(annexIIIReasonsFromDecision([item({})])).toEqual([]);
  });
});

describe("mergeReasons", () => {
  it("keeps the staff's reasons first, each code once, with the decision's items under the staff's words", () => {
    const derived = annexIIIReasonsFromDecision([item({ action: "unavailable" })]);
    const merged = mergeReasons(
      [
        { code: "insufficient_information", explanation: "which account?" },
        { code: "data_not_stored", explanation: "deleted by the user before the order" },
      ],
      derived,
    );
    expect(merged.map((r) => [r.code, r.explanation])).toEqual([
      ["insufficient_information", "which account?"],
      ["data_not_stored", "deleted by the user before the order"],
    ]);
    expect(merged[1]?.items).toEqual(derived[0]?.items);
  });
});
