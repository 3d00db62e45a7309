import { describe, expect, it } from "vitest";
import { actionOf, actionsByCategory, decideWith, deepFreeze, policy, request } from "../../test/policy-fixtures.js";
import { ACTIONS, type Decision, decide } from "./engine.js";

/** A small policy exercising every step of docs/decision.md; each describe block below names the part it relies on. */
const BASE = policy(`
dataMap:
  subscriber.name: {}
  subscriber.phone: {}
  subscriber.ip_address: {}
  records.ip_logs: { retentionDays: 90 }
  records.contacts: {}
  content.messages: { e2ee: true }
  content.posts: {}
legalProcess:
  subscriber: [subpoena, mlat]
  records: [court_order, mlat]
  content: [search_warrant, mlat]
emergency: { tiers: [subscriber, records], requireVerified: true }
jurisdictions:
  "*": { status: active }
  HK: { status: paused, since: "2020-07-06", reason: "NSL assessment" }
  KP: { status: refused, reason: "sanctions" }
  DE: { legalProcess: { content: [mlat] } }
  GB: { emergency: { tiers: [subscriber], requireVerified: true } }
  FR: { emergency: null }
humanRightsReview: [RU]
rules:
  - id: ru-only
    when: { process: subpoena, jurisdictions: [BR] }
    grant: [records.contacts]
`);

const EMERGENCY = { process: "emergency", emergency: { justification: "imminent danger", verified: true } };
const UNVERIFIED_EMERGENCY = { process: "emergency", emergency: { justification: "imminent danger", verified: false } };
const UNVERIFIED_AGENCY = { agency: { name: "Sheriff", email: "deputy@sheriff.example.com", verified: false } };

function itemFor(decision: Decision, category: string) {
  const item = decision.items.find((i) => i.category === category);
  if (!item) throw new Error(`no item for ${category}`);
  return item;
}

describe("decide: step 1, the jurisdiction", () => {
  it("holds everything asked of a paused jurisdiction, before looking at what is held", () => {
    const decision = decideWith(
      {
        jurisdiction: "HK",
        process: "search_warrant",
        categories: ["subscriber.phone", "content.messages", "content.media"],
      },
      BASE,
    );
    expect(decision.outcome).toBe("hold");
    expect(decision.items.map((i) => i.action)).toEqual(["hold", "hold", "hold"]);
    expect(decision.items[0]?.rule).toBe("jurisdictions.HK");
    expect(decision.items[0]?.reason).toContain("HK is paused since 2020-07-06 (NSL assessment)");
    expect(decision.needsReview).toBe(false);
    expect(decision.reviewReasons).toEqual([]);
  });

  it("holds a paused jurisdiction's requests even from an unverified agency", () => {
    expect(decideWith({ jurisdiction: "HK", ...UNVERIFIED_AGENCY }, BASE).outcome).toBe("hold");
  });

  it("holds a verified emergency from a paused jurisdiction without allowEmergency", () => {
    const decision = decideWith({ jurisdiction: "HK", ...EMERGENCY, categories: ["subscriber.phone"] }, BASE);
    expect(decision.outcome).toBe("hold");
  });

  describe("with allowEmergency", () => {
    const paused = policy(`
dataMap: { subscriber.phone: {}, records.contacts: {}, content.posts: {} }
legalProcess: { subscriber: [subpoena] }
emergency: { tiers: [subscriber], requireVerified: false }
jurisdictions:
  HK: { status: paused, allowEmergency: true }
`);
    it("lets a verified emergency through to the emergency step", () => {
      const decision = decideWith(
        { jurisdiction: "HK", ...EMERGENCY, categories: ["subscriber.phone", "content.posts"] },
        paused,
      );
      expect(actionsByCategory(decision)).toEqual({ "subscriber.phone": "disclose", "content.posts": "withhold" });
      expect(decision.outcome).toBe("comply_partial");
      expect(decision.reviewReasons).toEqual(["emergency disclosure needs counsel approval"]);
    });
    it("still holds an unverified emergency (even where the policy would answer it unverified)", () => {
      expect(decideWith({ jurisdiction: "HK", ...UNVERIFIED_EMERGENCY }, paused).outcome).toBe("hold");
      expect(decideWith({ jurisdiction: "HK", process: "emergency" }, paused).outcome).toBe("hold");
    });
    it("still holds ordinary process", () => {
      expect(decideWith({ jurisdiction: "HK", process: "subpoena" }, paused).outcome).toBe("hold");
    });
    it("still withholds a verified emergency from an unverified agency", () => {
      const decision = decideWith({ jurisdiction: "HK", ...EMERGENCY, ...UNVERIFIED_AGENCY }, paused);
      expect(decision.items.map((i) => i.action)).toEqual(["withhold"]);
      expect(decision.items[0]?.rule).toBe("agency.verified");
    });
  });

  it("withholds everything asked of a refused jurisdiction", () => {
    const decision = decideWith(
      { jurisdiction: "KP", process: "search_warrant", categories: ["subscriber.phone", "content.media"] },
      BASE,
    );
    expect(decision.items.map((i) => [i.action, i.rule])).toEqual([
      ["withhold", "jurisdictions.KP"],
      ["withhold", "jurisdictions.KP"],
    ]);
    expect(decision.items[0]?.reason).toBe("requests from KP are refused: sanctions");
    expect(decision.outcome).toBe("reject");
  });

  it("withholds everything from an unverified agency, without saying what is held", () => {
    const decision = decideWith(
      {
        ...UNVERIFIED_AGENCY,
        process: "search_warrant",
        categories: ["subscriber.phone", "content.messages", "content.media"],
      },
      BASE,
    );
    expect(decision.items.map((i) => [i.action, i.rule])).toEqual([
      ["withhold", "agency.verified"],
      ["withhold", "agency.verified"],
      ["withhold", "agency.verified"],
    ]);
    expect(decision.outcome).toBe("reject");
    // An agency with no verified flag at all is unverified.
    expect(decideWith({ agency: { name: "A", email: "a@agency.gov" } }, BASE).outcome).toBe("reject");
  });

  it("withholds an unverified agency's preservation and emergency requests", () => {
    expect(decideWith({ ...UNVERIFIED_AGENCY, process: "preservation" }, BASE).items[0]?.action).toBe("withhold");
    expect(decideWith({ ...UNVERIFIED_AGENCY, ...EMERGENCY }, BASE).items[0]?.action).toBe("withhold");
  });
});

describe("decide: subdivisions fall back to their country", () => {
  const subdivided = policy(`
dataMap: { subscriber.phone: {}, records.contacts: {}, content.posts: {} }
legalProcess:
  subscriber: [subpoena]
  records: [court_order]
  content: [search_warrant]
jurisdictions:
  "*": { status: active }
  US: { legalProcess: { content: [court_order] } }
  US-CA: { legalProcess: { records: [subpoena] } }
  US-NY: { status: paused }
  CA: { status: paused }
  CA-QC: { status: active }
humanRightsReview: [MX, GB-SCT]
rules:
  - id: texas-contacts
    when: { process: subpoena, jurisdictions: [US-TX] }
    grant: [records.contacts]
  - id: us-phone
    when: { process: informal, jurisdictions: [US] }
    grant: [subscriber.phone]
`);
  const all = ["subscriber.phone", "records.contacts", "content.posts"];

  it("decides an unnamed subdivision exactly as its country", () => {
    for (const process of ["informal", "subpoena", "court_order", "search_warrant"]) {
      const us = decideWith({ jurisdiction: "US", process, categories: all }, subdivided);
      const wa = decideWith({ jurisdiction: "US-WA", process, categories: all }, subdivided);
      expect(wa.items.map((i) => [i.action, i.rule])).toEqual(us.items.map((i) => [i.action, i.rule]));
    }
    const court = decideWith({ jurisdiction: "US-WA", process: "court_order", categories: all }, subdivided);
    expect(itemFor(court, "content.posts")).toMatchObject({
      action: "disclose",
      rule: "jurisdictions.US.legalProcess.content",
    });
  });

  it("lets a subdivision's entry override its country's, tier by tier", () => {
    const ca = decideWith({ jurisdiction: "US-CA", process: "subpoena", categories: all }, subdivided);
    expect(itemFor(ca, "records.contacts")).toMatchObject({
      action: "disclose",
      rule: "jurisdictions.US-CA.legalProcess.records",
    });
    expect(
      actionOf(
        decideWith({ jurisdiction: "US", process: "subpoena", categories: all }, subdivided),
        "records.contacts",
      ),
    ).toBe("withhold");
    // The tier US-CA does not override still comes from US.
    const caCourt = decideWith({ jurisdiction: "US-CA", process: "court_order", categories: all }, subdivided);
    expect(itemFor(caCourt, "content.posts").rule).toBe("jurisdictions.US.legalProcess.content");
  });

  it("takes the status from the most specific entry that sets one", () => {
    expect(decideWith({ jurisdiction: "US-NY" }, subdivided).outcome).toBe("hold");
    expect(decideWith({ jurisdiction: "US" }, subdivided).outcome).not.toBe("hold");
    expect(decideWith({ jurisdiction: "CA" }, subdivided).outcome).toBe("hold");
    expect(decideWith({ jurisdiction: "CA-ON" }, subdivided).outcome).toBe("hold");
    expect(decideWith({ jurisdiction: "CA-QC" }, subdivided).outcome).not.toBe("hold");
  });

  it("applies a country's humanRightsReview to its subdivisions, and a subdivision's only to it", () => {
    const mx = decideWith({ jurisdiction: "MX-CMX", process: "subpoena" }, subdivided);
    expect(mx.needsReview).toBe(true);
    expect(mx.reviewReasons).toEqual([
      "disclosure in MX-CMX needs counsel sign-off on the human-rights standards checklist",
    ]);
    expect(decideWith({ jurisdiction: "GB-SCT", process: "subpoena" }, subdivided).needsReview).toBe(true);
    expect(decideWith({ jurisdiction: "GB", process: "subpoena" }, subdivided).needsReview).toBe(false);
    expect(decideWith({ jurisdiction: "GB-WLS", process: "subpoena" }, subdivided).needsReview).toBe(false);
  });

  it("applies humanRightsReview [US] to US-CA, named by the policy or not", () => {
    const reviewedUs = policy(`
dataMap: { subscriber.phone: {} }
legalProcess: { subscriber: [subpoena] }
jurisdictions:
  US-CA: { status: active }
humanRightsReview: [US]
`);
    for (const jurisdiction of ["US", "US-CA", "US-TX"]) {
      const decision = decideWith({ jurisdiction, process: "subpoena" }, reviewedUs);
      expect(decision.outcome).toBe("comply_full");
      expect(decision.reviewReasons).toEqual([
        `disclosure in ${jurisdiction} needs counsel sign-off on the human-rights standards checklist`,
      ]);
    }
    expect(decideWith({ jurisdiction: "MX", process: "subpoena" }, reviewedUs).needsReview).toBe(false);
  });

  it("matches a rule's jurisdictions by subdivision or by country", () => {
    const tx = decideWith({ jurisdiction: "US-TX", process: "subpoena", categories: all }, subdivided);
    expect(itemFor(tx, "records.contacts")).toMatchObject({ action: "disclose", rule: "rules.texas-contacts" });
    const ok = decideWith({ jurisdiction: "US-OK", process: "subpoena", categories: all }, subdivided);
    expect(actionOf(ok, "records.contacts")).toBe("withhold");
    // A rule for US covers every US subdivision, named by the policy or not, and no other country.
    for (const jurisdiction of ["US", "US-CA", "US-TX", "US-OK"]) {
      const d = decideWith({ jurisdiction, process: "informal", categories: ["subscriber.phone"] }, subdivided);
      expect(itemFor(d, "subscriber.phone")).toMatchObject({ action: "disclose", rule: "rules.us-phone" });
    }
    expect(actionOf(decideWith({ jurisdiction: "MX", process: "informal" }, subdivided), "subscriber.phone")).toBe(
      "withhold",
    );
  });
});

describe("decide: step 2, what is held", () => {
  it("answers a category absent from the data map as unavailable", () => {
    const decision = decideWith({ process: "search_warrant", categories: ["content.media"] }, BASE);
    expect(decision.items[0]).toMatchObject({ action: "unavailable", rule: "dataMap" });
    expect(decision.items[0]?.reason).toBe("content.media is not held (absent from the data map)");
    expect(decision.outcome).toBe("no_data");
  });

  it("answers an end-to-end encrypted category as unavailable, whatever the process", () => {
    for (const process of ["search_warrant", "mlat", "preservation"]) {
      const decision = decideWith({ process, categories: ["content.messages"] }, BASE);
      expect(decision.items[0]).toMatchObject({ action: "unavailable", rule: "dataMap.content.messages.e2ee" });
      expect(decision.outcome).toBe("no_data");
    }
    expect(decideWith({ ...EMERGENCY, categories: ["content.messages"] }, BASE).items[0]?.action).toBe("unavailable");
  });

  it("answers a category whose retention window ended before the requested period as unavailable", () => {
    // Received 2020-07-12T09:30Z, records.ip_logs kept 90 days: nothing before 2020-04-13T09:30Z remains.
    const old = decideWith(
      { process: "court_order", categories: ["records.ip_logs"], dateRange: { from: "2020-01-01", to: "2020-04-12" } },
      BASE,
    );
    expect(old.items[0]).toMatchObject({ action: "unavailable", rule: "dataMap.records.ip_logs.retentionDays" });
    expect(old.items[0]?.reason).toBe("records.ip_logs is kept 90 days; the requested period ended before that");
    const overlapping = decideWith(
      { process: "court_order", categories: ["records.ip_logs"], dateRange: { from: "2020-01-01", to: "2020-04-13" } },
      BASE,
    );
    expect(overlapping.items[0]?.action).toBe("disclose");
    // No date range: the retention window is not applied.
    expect(decideWith({ process: "court_order", categories: ["records.ip_logs"] }, BASE).items[0]?.action).toBe(
      "disclose",
    );
    // Categories kept indefinitely are never past retention.
    expect(
      decideWith(
        {
          process: "court_order",
          categories: ["records.contacts"],
          dateRange: { from: "2001-01-01", to: "2001-01-02" },
        },
        BASE,
      ).items[0]?.action,
    ).toBe("disclose");
  });
});

describe("decide: step 3, preservation", () => {
  it("preserves what is held and nothing else", () => {
    const decision = decideWith(
      {
        process: "preservation",
        categories: ["subscriber.phone", "content.posts", "content.messages", "content.media"],
      },
      BASE,
    );
    expect(decision.items.map((i) => i.action)).toEqual(["preserve", "preserve", "unavailable", "unavailable"]);
    expect(decision.items[0]?.rule).toBe("process.preservation");
    expect(decision.outcome).toBe("preserve");
    expect(decision.needsReview).toBe(false);
  });
});

describe("decide: step 4, emergencies", () => {
  const categories = ["subscriber.phone", "records.contacts", "content.posts"];

  it("discloses the emergency tiers of a verified emergency and withholds the rest", () => {
    const decision = decideWith({ ...EMERGENCY, categories }, BASE);
    expect(decision.items.map((i) => [i.action, i.rule])).toEqual([
      ["disclose", "emergency"],
      ["disclose", "emergency"],
      ["withhold", "emergency"],
    ]);
    expect(decision.items[2]?.reason).toBe("emergency requests are not answered for account contents");
    expect(decision.outcome).toBe("comply_partial");
    expect(decision.needsReview).toBe(true);
    expect(decision.reviewReasons).toEqual(["emergency disclosure needs counsel approval"]);
  });

  it("withholds an unverified emergency when the policy requires verification", () => {
    for (const overrides of [
      UNVERIFIED_EMERGENCY,
      { process: "emergency" },
      { process: "emergency", emergency: null },
    ]) {
      const decision = decideWith({ ...overrides, categories }, BASE);
      expect(decision.items.map((i) => i.action)).toEqual(["withhold", "withhold", "withhold"]);
      expect(decision.items[0]?.rule).toBe("emergency.requireVerified");
      expect(decision.outcome).toBe("reject");
      expect(decision.needsReview).toBe(false);
    }
  });

  it("discloses an unverified emergency when the policy does not require verification", () => {
    const lax = policy(`
dataMap: { subscriber.phone: {} }
legalProcess: {}
emergency: { tiers: [subscriber], requireVerified: false }
`);
    expect(decideWith(UNVERIFIED_EMERGENCY, lax).outcome).toBe("comply_full");
  });

  it("defaults requireVerified to true", () => {
    const strict = policy("dataMap: { subscriber.phone: {} }\nlegalProcess: {}\nemergency: { tiers: [subscriber] }\n");
    expect(decideWith(UNVERIFIED_EMERGENCY, strict).outcome).toBe("reject");
    expect(decideWith(EMERGENCY, strict).outcome).toBe("comply_full");
  });

  it("withholds every emergency under a policy with no emergency section", () => {
    const none = policy("dataMap: { subscriber.phone: {} }\nlegalProcess: { subscriber: [subpoena] }\n");
    const decision = decideWith(EMERGENCY, none);
    expect(decision.items[0]).toMatchObject({
      action: "withhold",
      rule: "emergency",
      reason: "this policy answers no emergency requests",
    });
  });

  it("follows a jurisdiction's emergency override, and null switches emergencies off", () => {
    const gb = decideWith({ jurisdiction: "GB", ...EMERGENCY, categories }, BASE);
    expect(gb.items.map((i) => [i.action, i.rule])).toEqual([
      ["disclose", "jurisdictions.GB.emergency"],
      ["withhold", "jurisdictions.GB.emergency"],
      ["withhold", "jurisdictions.GB.emergency"],
    ]);
    const fr = decideWith({ jurisdiction: "FR", ...EMERGENCY, categories }, BASE);
    expect(fr.items.map((i) => i.action)).toEqual(["withhold", "withhold", "withhold"]);
    expect(fr.outcome).toBe("reject");
  });

  it("does not let legalProcess or rules answer an emergency", () => {
    const ruled = policy(`
dataMap: { content.posts: {} }
legalProcess: { content: [informal] }
emergency: { tiers: [subscriber] }
rules:
  - id: everything-on-finding
    when: { findings: [imminent_danger] }
    grant: [content.posts]
`);
    const decision = decideWith({ ...EMERGENCY, findings: ["imminent_danger"], categories: ["content.posts"] }, ruled);
    expect(decision.items[0]?.action).toBe("withhold");
  });
});

describe("decide: step 5, legal process", () => {
  const categories = ["subscriber.phone", "records.contacts", "content.posts"];

  it("unlocks each tier with the process listed for it, and names what was needed otherwise", () => {
    const decision = decideWith({ process: "subpoena", categories }, BASE);
    expect(decision.items.map((i) => [i.action, i.rule, i.reason])).toEqual([
      ["disclose", "legalProcess.subscriber", "subpoena unlocks subscriber records"],
      ["withhold", "legalProcess.records", "non-content records need court_order or mlat; subpoena is not enough"],
      ["withhold", "legalProcess.content", "account contents need search_warrant or mlat; subpoena is not enough"],
    ]);
    expect(decision.outcome).toBe("comply_partial");
    expect(decision.needsReview).toBe(false);
  });

  it("lets a stronger process on the ladder unlock what a weaker one does", () => {
    const court = decideWith({ process: "court_order", categories }, BASE);
    expect(court.items.map((i) => i.action)).toEqual(["disclose", "disclose", "withhold"]);
    // (The engine also says "stronger than … or mlat", though mlat is off the ladder: wording only.)
    expect(court.items[0]?.reason).toMatch(/^court_order unlocks subscriber records \(stronger than subpoena\b/);
    const warrant = decideWith({ process: "search_warrant", categories }, BASE);
    expect(warrant.items.map((i) => i.action)).toEqual(["disclose", "disclose", "disclose"]);
    expect(warrant.outcome).toBe("comply_full");
    expect(warrant.needsReview).toBe(true);
    expect(warrant.reviewReasons).toEqual(["content disclosure needs counsel approval"]);
  });

  it("matches processes off the ladder only exactly", () => {
    expect(decideWith({ process: "mlat", categories }, BASE).items.map((i) => i.action)).toEqual([
      "disclose",
      "disclose",
      "disclose",
    ]);
    for (const process of ["national_security", "informal"]) {
      const decision = decideWith({ process, categories }, BASE);
      expect(decision.items.map((i) => i.action)).toEqual(["withhold", "withhold", "withhold"]);
      expect(decision.outcome).toBe("reject");
    }
    const informal = decideWith({ process: "informal", categories }, BASE);
    expect(informal.items[0]?.reason).toBe("subscriber records need subpoena or mlat; informal is not enough");
  });

  it("lets a jurisdiction override a tier: German content only through MLAT", () => {
    const warrant = decideWith({ jurisdiction: "DE", process: "search_warrant", categories }, BASE);
    expect(warrant.items.map((i) => [i.action, i.rule])).toEqual([
      ["disclose", "legalProcess.subscriber"],
      ["disclose", "legalProcess.records"],
      ["withhold", "jurisdictions.DE.legalProcess.content"],
    ]);
    expect(warrant.items[2]?.reason).toBe("account contents need mlat; search_warrant is not enough");
    expect(warrant.needsReview).toBe(false);
    const mlat = decideWith({ jurisdiction: "DE", process: "mlat", categories }, BASE);
    expect(itemFor(mlat, "content.posts")).toMatchObject({
      action: "disclose",
      rule: "jurisdictions.DE.legalProcess.content",
    });
  });

  it("names the missing process when a tier is open to none", () => {
    const closed = policy("dataMap: { content.posts: {} }\nlegalProcess: { content: [] }\n");
    expect(decideWith({ process: "search_warrant", categories: ["content.posts"] }, closed).items[0]).toMatchObject({
      action: "withhold",
      rule: "legalProcess.content",
      reason: "no legal process unlocks account contents under this policy",
    });
  });

  it("flags disclosures in a humanRightsReview jurisdiction for counsel", () => {
    const decision = decideWith({ jurisdiction: "RU", process: "search_warrant", categories }, BASE);
    expect(decision.reviewReasons).toEqual([
      "content disclosure needs counsel approval",
      "disclosure in RU needs counsel sign-off on the human-rights standards checklist",
    ]);
    expect(decision.humanRightsReview).toBe(true);
    // Nothing disclosed, nothing to review; the jurisdiction is on the list all the same, for the reviewer to see.
    const informal = decideWith({ jurisdiction: "RU", process: "informal", categories }, BASE);
    expect(informal.needsReview).toBe(false);
    expect(informal.humanRightsReview).toBe(true);
    expect(decideWith({ jurisdiction: "US", process: "search_warrant", categories }, BASE).humanRightsReview).toBe(
      false,
    );
  });
});

describe("decide: step 6, rules that grant more", () => {
  const ruled = policy(`
dataMap: { subscriber.ip_address: {}, subscriber.phone: {}, content.posts: {}, content.messages: { e2ee: true } }
legalProcess:
  subscriber: [search_warrant]
  content: [mlat]
rules:
  - id: terror-court-order
    when: { process: court_order, findings: [terrorism_suspect] }
    grant: [subscriber.ip_address, content.posts, content.messages, content.media]
`);
  const categories = [
    "subscriber.ip_address",
    "subscriber.phone",
    "content.posts",
    "content.messages",
    "content.media",
  ];
  const terror = { findings: ["terrorism_suspect"], categories };

  it("discloses what a matching rule grants, after legalProcess", () => {
    const decision = decideWith({ process: "court_order", ...terror }, ruled);
    expect(decision.items.map((i) => [i.action, i.rule])).toEqual([
      ["disclose", "rules.terror-court-order"],
      ["withhold", "legalProcess.subscriber"],
      ["disclose", "rules.terror-court-order"],
      ["unavailable", "dataMap.content.messages.e2ee"],
      ["unavailable", "dataMap"],
    ]);
    expect(decision.items[0]?.reason).toBe(
      "rule terror-court-order grants subscriber.ip_address on court_order with finding terrorism_suspect",
    );
    expect(decision.outcome).toBe("comply_partial");
    expect(decision.reviewReasons).toEqual(["content disclosure needs counsel approval"]);
  });

  it("does not match without the finding or with a weaker process", () => {
    expect(decideWith({ process: "court_order", categories }, ruled).items.map((i) => i.action)).toEqual([
      "withhold",
      "withhold",
      "withhold",
      "unavailable",
      "unavailable",
    ]);
    expect(decideWith({ process: "subpoena", ...terror }, ruled).items.filter((i) => i.action === "disclose")).toEqual(
      [],
    );
    expect(decideWith({ process: "mlat", ...terror }, ruled).items.map((i) => i.action)).toEqual([
      "withhold",
      "withhold",
      "disclose",
      "unavailable",
      "unavailable",
    ]);
  });

  it("is met by a stronger process on the ladder", () => {
    const warrant = decideWith({ process: "search_warrant", ...terror }, ruled);
    expect(itemFor(warrant, "content.posts")).toMatchObject({ action: "disclose", rule: "rules.terror-court-order" });
    // legalProcess decides first where it already discloses.
    expect(itemFor(warrant, "subscriber.ip_address")).toMatchObject({
      action: "disclose",
      rule: "legalProcess.subscriber",
    });
  });

  // Where only a rule could unlock a category, the withhold reason names the rule's process and finding.
  it("names a rule's process when only a rule would have unlocked the category", () => {
    const rulesOnly = policy(`
dataMap: { subscriber.phone: {} }
legalProcess: {}
rules:
  - id: terror-court-order
    when: { process: court_order, findings: [terrorism_suspect] }
    grant: [subscriber.phone]
`);
    const decision = decideWith({ process: "subpoena", findings: ["terrorism_suspect"] }, rulesOnly);
    expect(decision.items[0]?.action).toBe("withhold");
    expect(decision.items[0]?.reason).toContain("court_order");
  });

  it("matches extra findings too, and ignores a rule restricted to other jurisdictions", () => {
    const extra = decideWith({ process: "court_order", ...terror, findings: ["fraud", "terrorism_suspect"] }, ruled);
    expect(actionOf(extra, "content.posts")).toBe("disclose");
    const br = decideWith({ jurisdiction: "US", process: "subpoena", categories: ["records.contacts"] }, BASE);
    expect(actionOf(br, "records.contacts")).toBe("withhold");
    const inBr = decideWith({ jurisdiction: "BR", process: "subpoena", categories: ["records.contacts"] }, BASE);
    expect(itemFor(inBr, "records.contacts")).toMatchObject({ action: "disclose", rule: "rules.ru-only" });
  });
});

describe("decide: the decision", () => {
  it("gives every outcome", () => {
    expect(decideWith({ jurisdiction: "HK" }, BASE).outcome).toBe("hold");
    expect(decideWith({ process: "preservation", categories: ["subscriber.phone"] }, BASE).outcome).toBe("preserve");
    expect(decideWith({ process: "subpoena", categories: ["subscriber.phone", "subscriber.name"] }, BASE).outcome).toBe(
      "comply_full",
    );
    expect(decideWith({ process: "subpoena", categories: ["subscriber.phone", "content.posts"] }, BASE).outcome).toBe(
      "comply_partial",
    );
    expect(decideWith({ process: "subpoena", categories: ["content.messages", "content.media"] }, BASE).outcome).toBe(
      "no_data",
    );
    expect(decideWith({ process: "subpoena", categories: ["content.messages", "content.posts"] }, BASE).outcome).toBe(
      "reject",
    );
  });

  it("lists items target-major, in request order, with the target as type:value", () => {
    const decision = decideWith(
      {
        process: "court_order",
        targets: [
          { type: "username", value: "quietfox" },
          { type: "email", value: "fox@example.net" },
        ],
        categories: ["content.posts", "subscriber.phone", "content.media"],
      },
      BASE,
    );
    expect(decision.items.map((i) => [i.target, i.category, i.action])).toEqual([
      ["username:quietfox", "content.posts", "withhold"],
      ["username:quietfox", "subscriber.phone", "disclose"],
      ["username:quietfox", "content.media", "unavailable"],
      ["email:fox@example.net", "content.posts", "withhold"],
      ["email:fox@example.net", "subscriber.phone", "disclose"],
      ["email:fox@example.net", "content.media", "unavailable"],
    ]);
    for (const item of decision.items) {
      expect(ACTIONS).toContain(item.action);
      expect(item.rule.length).toBeGreaterThan(0);
      expect(item.reason.length).toBeGreaterThan(0);
      expect(Object.keys(item).sort()).toEqual(["action", "category", "reason", "rule", "target"]);
    }
    expect(decision.policy).toEqual({ name: "Test", version: "t1" });
  });

  it("does not mutate the request or the policy", () => {
    const req = deepFreeze(
      request({
        process: "court_order",
        findings: ["terrorism_suspect"],
        categories: ["subscriber.phone", "records.ip_logs", "content.posts"],
        dateRange: { from: "2020-01-01", to: "2020-07-01" },
      }),
    );
    const snapshot = structuredClone(req);
    const compiled = policy(`
dataMap: { subscriber.phone: {}, records.ip_logs: { retentionDays: 30 }, content.posts: {} }
legalProcess: { subscriber: [subpoena] }
rules:
  - id: r
    when: { process: court_order, findings: [terrorism_suspect] }
    grant: [content.posts]
`);
    const documentSnapshot = structuredClone(compiled.document);
    deepFreeze(compiled);
    const first = decide(req, compiled);
    const second = decide(req, compiled);
    expect(req).toEqual(snapshot);
    expect(compiled.document).toEqual(documentSnapshot);
    expect(second).toEqual(first);
    expect(first.items.map((i) => i.action)).toEqual(["disclose", "withhold", "disclose"]);
  });
});

describe("decide: the docs/decision.md example", () => {
  it("has the shape of the example decision, item for item", () => {
    const exampleChat = policy(`
dataMap: { subscriber.phone: {}, content.posts: {} }
legalProcess:
  subscriber: [court_order]
  content: [court_order]
`);
    const decision = decide(
      request({
        jurisdiction: "GB",
        process: "court_order",
        findings: ["terrorism_suspect"],
        targets: [{ type: "phone", value: "+85291234567" }],
        categories: ["subscriber.phone", "content.posts", "records.ip_logs"],
      }),
      exampleChat,
    );
    expect(Object.keys(decision).sort()).toEqual([
      "humanRightsReview",
      "items",
      "needsReview",
      "outcome",
      "policy",
      "reviewReasons",
    ]);
    expect(decision.outcome).toBe("comply_partial");
    expect(decision.policy).toEqual({ name: "Test", version: "t1" });
    expect(decision.needsReview).toBe(true);
    expect(decision.reviewReasons).toEqual(["content disclosure needs counsel approval"]);
    expect(decision.items[0]).toEqual({
      target: "phone:+85291234567",
      category: "subscriber.phone",
      action: "disclose",
      rule: "legalProcess.subscriber",
      reason: "court_order unlocks subscriber records",
    });
    expect(decision.items.map((i) => i.action)).toEqual(["disclose", "disclose", "unavailable"]);
    // It serialises to JSON and back unchanged: nothing in it but plain data.
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
