import { describe, expect, it } from "vitest";
import { parseRequestDocument } from "../domain/request.schema.js";
import { documentFromForm, formPath, formProblems, readSubmissionForm } from "./submission.form.js";

const who = { agencyName: "Federal Bureau of Investigation", email: "agent.smith@fbi.gov" };
const now = new Date("2020-08-03T15:02:00Z");

describe("the portal's request form", () => {
  it("becomes a request document the schema accepts", () => {
    const form = readSubmissionForm({
      reference: [" FBI-SF-2020-1187 "],
      jurisdiction: ["us-ca"],
      process: ["emergency"],
      findings: ["terrorism_suspect, armed"],
      "targets.0.type": ["username"],
      "targets.0.value": ["quietfox"],
      "targets.1.type": ["phone"],
      "targets.1.value": [""],
      "targets.2.type": ["email"],
      "targets.2.value": ["quietfox@example.net"],
      categories: ["subscriber.name", "records.ip_logs"],
      "dateRange.from": ["2020-07-01"],
      "dateRange.to": ["2020-07-31"],
      "emergency.justification": ["Kidnapping in progress; victim's phone last used on this account."],
    });
    expect(formProblems(form)).toEqual([]);
    const doc = parseRequestDocument(documentFromForm(form, who, now));
    expect(doc.jurisdiction).toBe("US-CA");
    expect(doc.targets).toEqual([
      { type: "username", value: "quietfox" },
      { type: "email", value: "quietfox@example.net" },
    ]);
    expect(doc.findings).toEqual(["terrorism_suspect", "armed"]);
    expect(doc.emergency?.justification).toContain("Kidnapping");
    expect(doc.receivedAt).toBe("2020-08-03T15:02:00.000Z");
  });

  it("names what a form cannot leave out, by the field it belongs to", () => {
    const form = readSubmissionForm({
      process: ["emergency"],
      "targets.0.type": ["phone"],
      "targets.0.value": [""],
      "dateRange.from": ["2020-07-01"],
    });
    expect(formProblems(form).map((p) => p.path)).toEqual([
      "reference",
      "targets.0.value",
      "categories",
      "emergency.justification",
      "dateRange.to",
    ]);
  });

  it("maps the intake's target index back to the row the officer typed it in", () => {
    const form = readSubmissionForm({
      "targets.0.value": [""],
      "targets.1.value": ["ok"],
      "targets.2.value": ["bad value"],
    });
    expect(formPath("targets[1].value", form)).toBe("targets.2.value");
    expect(formPath("targets[0]", form)).toBe("targets.1");
    expect(formPath("categories[3]", form)).toBe("categories.3");
    expect(formPath("dateRange.to", form)).toBe("dateRange.to");
  });
});
