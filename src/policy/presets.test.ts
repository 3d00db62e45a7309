/**
 * The seed presets (docs/policy.md#presets) against the scenarios the seed articles describe (July 2020).
 */
import { describe, expect, it } from "vitest";
import {
  actionsByCategory,
  decideWith,
  disclosed,
  exampleRequestFiles,
  PRESET_NAMES,
  type PresetName,
  preset,
  readRepoFile,
} from "../../test/policy-fixtures.js";
import { parseRequestDocument, targetKey } from "../domain/request.schema.js";
import { CATEGORIES, tierOf } from "../domain/vocabulary.js";
import { ACTIONS, decide, OUTCOMES } from "./engine.js";
import { parsePolicyText } from "./policy.load.js";

const PAUSING_HK: PresetName[] = ["google", "facebook", "whatsapp", "twitter", "telegram", "signal"];
const ANSWERING_HK: PresetName[] = ["apple", "microsoft"];
const ALL_CATEGORIES = [...CATEGORIES];

const HK_TERROR_ORDER = JSON.parse(readRepoFile("examples/requests/hk-terror-court-order.json"));
const hkOrder = () => parseRequestDocument(HK_TERROR_ORDER);

const VERIFIED_EMERGENCY = { process: "emergency", emergency: { justification: "imminent danger", verified: true } };
const UNVERIFIED_EMERGENCY = {
  process: "emergency",
  emergency: { justification: "imminent danger", verified: false },
};

const held = (name: PresetName) => ALL_CATEGORIES.filter((c) => preset(name).dataMap[c].held);

describe("the presets as docs/policy.md#presets describes them", () => {
  it("pause HK at the six, keep it active at Apple and Microsoft, and never allow emergencies through a pause", () => {
    for (const name of PRESET_NAMES) {
      const doc = parsePolicyText(readRepoFile(`policies/presets/${name}.yaml`));
      expect(doc.jurisdictions.HK?.status ?? "active").toBe(PAUSING_HK.includes(name) ? "paused" : "active");
      for (const entry of Object.values(doc.jurisdictions)) expect(entry.allowEmergency).not.toBe(true);
    }
  });
});

describe("a Hong Kong Police court order naming a terrorism suspect", () => {
  it.each(PAUSING_HK)("is held at %s", (name) => {
    const decision = decide(hkOrder(), preset(name));
    expect(decision.outcome).toBe("hold");
    expect(decision.items.every((i) => i.action === "hold")).toBe(true);
    expect(decision.items.every((i) => i.rule === "jurisdictions.HK")).toBe(true);
    expect(disclosed(decision)).toEqual([]);
  });

  it.each(ANSWERING_HK)("is answered at %s: subscriber records disclosed, messages withheld", (name) => {
    const decision = decide(hkOrder(), preset(name));
    expect(decision.outcome).toBe("comply_partial");
    expect(actionsByCategory(decision)).toEqual({
      "subscriber.phone": "disclose",
      "subscriber.ip_address": "disclose",
      "content.messages": "withhold",
    });
    expect(decision.items.find((i) => i.category === "content.messages")?.reason).toContain("search_warrant");
    expect(decision.needsReview).toBe(false);
  });

  it("is held at the six even without the finding, and even on a search warrant", () => {
    for (const name of PAUSING_HK) {
      expect(decide(parseRequestDocument({ ...HK_TERROR_ORDER, findings: [] }), preset(name)).outcome).toBe("hold");
      expect(
        decide(parseRequestDocument({ ...HK_TERROR_ORDER, process: "search_warrant" }), preset(name)).outcome,
      ).toBe("hold");
    }
  });
});

describe("WhatsApp and Facebook messages on a US search warrant", () => {
  const warrant = { jurisdiction: "US", process: "search_warrant", categories: ["content.messages"] };

  it("WhatsApp cannot produce them: end-to-end encrypted", () => {
    const decision = decideWith(warrant, preset("whatsapp"));
    expect(decision.items[0]).toMatchObject({ action: "unavailable", rule: "dataMap.content.messages.e2ee" });
    expect(decision.outcome).toBe("no_data");
    expect(decision.needsReview).toBe(false);
  });

  it("Facebook Messenger produces them, for counsel to review", () => {
    const decision = decideWith(warrant, preset("facebook"));
    expect(decision.items[0]).toMatchObject({ action: "disclose", rule: "legalProcess.content" });
    expect(decision.outcome).toBe("comply_full");
    expect(decision.needsReview).toBe(true);
    expect(decision.reviewReasons).toContain("content disclosure needs counsel approval");
  });
});

describe("Telegram: IP address and phone number, only on a court order naming a terror suspect", () => {
  const telegram = () => preset("telegram");

  it("discloses exactly subscriber.ip_address and subscriber.phone on such an order", () => {
    const decision = decideWith(
      { process: "court_order", findings: ["terrorism_suspect"], categories: ALL_CATEGORIES },
      telegram(),
    );
    expect(disclosed(decision)).toEqual(["subscriber.ip_address", "subscriber.phone"]);
    for (const item of decision.items) {
      if (item.action === "disclose") expect(item.rule).toBe("rules.terror-court-order");
      else expect(item.action).toBe(held("telegram").includes(item.category) ? "withhold" : "unavailable");
    }
    expect(decision.outcome).toBe("comply_partial");
  });

  it("discloses nothing on a subpoena naming a terror suspect, or on a court order that does not", () => {
    for (const overrides of [
      { process: "subpoena", findings: ["terrorism_suspect"] },
      { process: "informal", findings: ["terrorism_suspect"] },
      { process: "mlat", findings: ["terrorism_suspect"] },
      { process: "court_order", findings: [] },
      { process: "court_order", findings: ["fraud"] },
      { process: "search_warrant" },
    ]) {
      const decision = decideWith({ ...overrides, categories: ALL_CATEGORIES }, telegram());
      expect(disclosed(decision)).toEqual([]);
      expect(decision.outcome).toBe("reject");
    }
  });

  it("answers no emergency, verified or not", () => {
    for (const emergency of [VERIFIED_EMERGENCY, UNVERIFIED_EMERGENCY]) {
      const decision = decideWith({ ...emergency, categories: ALL_CATEGORIES }, telegram());
      expect(disclosed(decision)).toEqual([]);
      expect(decision.outcome).toBe("reject");
    }
  });

  it("treats a search warrant naming a terror suspect as meeting the court-order rule (the ladder)", () => {
    const decision = decideWith(
      { process: "search_warrant", findings: ["terrorism_suspect"], categories: ALL_CATEGORIES },
      telegram(),
    );
    expect(disclosed(decision)).toEqual(["subscriber.ip_address", "subscriber.phone"]);
  });
});

describe("US tiers at Facebook and WhatsApp", () => {
  const expected = (name: PresetName, tiers: string[]) =>
    held(name)
      .filter((c) => tiers.includes(tierOf(c)) && !preset(name).dataMap[c].e2ee)
      .sort();

  it.each(["facebook", "whatsapp"] as const)(
    "%s: subpoena → subscriber, court order → + records, warrant → + content",
    (name) => {
      const ask = (process: string) => decideWith({ process, categories: ALL_CATEGORIES }, preset(name));
      expect(disclosed(ask("subpoena"))).toEqual(expected(name, ["subscriber"]));
      expect(disclosed(ask("court_order"))).toEqual(expected(name, ["subscriber", "records"]));
      expect(disclosed(ask("search_warrant"))).toEqual(expected(name, ["subscriber", "records", "content"]));
      expect(disclosed(ask("informal"))).toEqual([]);
      expect(ask("subpoena").needsReview).toBe(false);
      expect(ask("search_warrant").needsReview).toBe(true);
    },
  );

  it("holds the basic subscriber records the article lists (name, IP address, e-mail at Facebook)", () => {
    const fb = decideWith(
      { process: "subpoena", categories: ["subscriber.name", "subscriber.ip_address", "subscriber.email"] },
      preset("facebook"),
    );
    expect(fb.outcome).toBe("comply_full");
    // WhatsApp's contents it can produce on a warrant: photos, group info and contacts.
    const wa = decideWith(
      { process: "search_warrant", categories: ["content.media", "records.groups", "records.contacts"] },
      preset("whatsapp"),
    );
    expect(wa.outcome).toBe("comply_full");
  });

  it("at every preset but Telegram, a stronger process never discloses less", () => {
    for (const name of PRESET_NAMES) {
      const counts = ["informal", "subpoena", "court_order", "search_warrant"].map(
        (process) => disclosed(decideWith({ process, categories: ALL_CATEGORIES }, preset(name))).length,
      );
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
  });
});

describe("Signal holds only the account's creation date and last connection", () => {
  it("discloses only those on a warrant; everything else is unavailable", () => {
    const decision = decideWith({ process: "search_warrant", categories: ALL_CATEGORIES }, preset("signal"));
    expect(disclosed(decision)).toEqual(["records.last_seen", "subscriber.created_at"]);
    for (const item of decision.items) {
      if (item.action !== "disclose") expect(item).toMatchObject({ action: "unavailable", rule: "dataMap" });
    }
    expect(held("signal")).toEqual(["subscriber.created_at", "records.last_seen"]);
  });

  it("answers no_data when only what it does not hold is asked", () => {
    const decision = decideWith(
      { process: "search_warrant", categories: ["subscriber.name", "records.contacts", "content.messages"] },
      preset("signal"),
    );
    expect(decision.outcome).toBe("no_data");
    expect(decision.needsReview).toBe(false);
  });
});

describe("emergencies", () => {
  it.each(PRESET_NAMES.filter((n) => n !== "telegram"))(
    "%s answers a verified emergency for subscriber and records and refuses content",
    (name) => {
      const decision = decideWith({ ...VERIFIED_EMERGENCY, categories: ALL_CATEGORIES }, preset(name));
      for (const item of decision.items) {
        const isHeld = held(name).includes(item.category);
        const tier = tierOf(item.category);
        if (!isHeld || preset(name).dataMap[item.category].e2ee) expect(item.action).toBe("unavailable");
        else expect(item.action).toBe(tier === "content" ? "withhold" : "disclose");
      }
      expect(decision.outcome).toBe("comply_partial");
      expect(decision.needsReview).toBe(true);
      expect(decision.reviewReasons).toEqual(["emergency disclosure needs counsel approval"]);
      const basic = held(name).filter((c) => tierOf(c) !== "content");
      expect(basic.some((c) => tierOf(c) === "records")).toBe(true);
      const justRecords = decideWith({ ...VERIFIED_EMERGENCY, categories: basic }, preset(name));
      expect(justRecords.outcome).toBe("comply_full");
    },
  );

  it.each([...PRESET_NAMES])("%s refuses an unverified emergency", (name) => {
    const decision = decideWith({ ...UNVERIFIED_EMERGENCY, categories: ALL_CATEGORIES }, preset(name));
    expect(disclosed(decision)).toEqual([]);
    expect(decision.needsReview).toBe(false);
    // A forged emergency from an unverified sender gets nothing, not even word of what is held.
    const forged = decide(
      parseRequestDocument(JSON.parse(readRepoFile("examples/requests/forged-emergency.json"))),
      preset(name),
    );
    expect(forged.outcome).toBe("reject");
    expect(forged.items.every((i) => i.action === "withhold")).toBe(true);
  });

  it.each(PAUSING_HK)("%s holds a verified emergency from HK", (name) => {
    const decision = decideWith(
      { jurisdiction: "HK", ...VERIFIED_EMERGENCY, categories: ["subscriber.created_at", "records.last_seen"] },
      preset(name),
    );
    expect(decision.outcome).toBe("hold");
  });

  it.each(ANSWERING_HK)("%s answers a verified emergency from HK", (name) => {
    const decision = decideWith(
      { jurisdiction: "HK", ...VERIFIED_EMERGENCY, categories: ["subscriber.phone", "subscriber.created_at"] },
      preset(name),
    );
    expect(decision.outcome).toBe("comply_full");
  });
});

describe("every example request under every preset", () => {
  const files = exampleRequestFiles();
  const cases = files.flatMap((file) => PRESET_NAMES.map((name) => [file, name] as const));

  it("has the example requests", () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it.each(cases)("%s under %s gives one well-formed item per target × category", (file, name) => {
    const req = parseRequestDocument(JSON.parse(readRepoFile(`examples/requests/${file}`)), file);
    const decision = decide(req, preset(name));
    expect(decision.items).toHaveLength(req.targets.length * req.categories.length);
    expect(OUTCOMES).toContain(decision.outcome);
    expect(decision.policy.version).toBe("2020-07-06");
    let n = 0;
    for (const target of req.targets) {
      for (const category of req.categories) {
        const item = decision.items[n++];
        expect(item?.target).toBe(targetKey(target));
        expect(item?.category).toBe(category);
        expect(ACTIONS).toContain(item?.action);
        expect(item?.rule).toMatch(/\S/);
        expect(item?.reason).toMatch(/\S/);
      }
    }
    expect(decision.needsReview).toBe(decision.reviewReasons.length > 0);
  });

  it("gives the outcomes the examples were written for", () => {
    const outcome = (file: string, name: PresetName) =>
      decide(parseRequestDocument(JSON.parse(readRepoFile(`examples/requests/${file}`))), preset(name)).outcome;
    expect(outcome("us-preservation.json", "facebook")).toBe("preserve");
    expect(outcome("us-subpoena.json", "google")).toBe("comply_partial");
    expect(outcome("gb-emergency.json", "twitter")).toBe("comply_partial");
    expect(outcome("gb-emergency.json", "telegram")).toBe("reject");
    expect(outcome("de-content-mlat.json", "facebook")).toBe("comply_full");
    expect(outcome("us-search-warrant.json", "whatsapp")).toBe("comply_partial");
  });
});
