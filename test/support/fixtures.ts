import { readFileSync } from "node:fs";
import type { Operator } from "../../src/authz/authz.js";
import type { Db } from "../../src/db/database.js";
import { activatePolicy } from "../../src/policy/policy.store.js";
import type { ReportRow } from "../../src/reports/report.definitions.js";
import { rejectionNotices } from "../../src/server/review-outcomes.js";

/** An operator at the shell, for set-up and for reading what a test needs (mail, users) without a role. */
export const TEST_OPERATOR = { operator: "cli:test" } as const satisfies Operator;

export const ROOT = new URL("../../", import.meta.url).pathname;
export const EXAMPLE_POLICY = readFileSync(`${ROOT}policies/example.yaml`, "utf8");

export async function seedAgency(db: Db, name = "Hong Kong Police Force", jurisdiction = "HK"): Promise<string> {
  const { id } = await db
    .insertInto("agency")
    .values({ name, jurisdiction, phone_on_file: "+85228600000" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

export async function activateExamplePolicy(db: Db, text = EXAMPLE_POLICY): Promise<void> {
  await db.transaction().execute((tx) => activatePolicy(tx, text, TEST_OPERATOR, new Date()));
}

let counter = 0;
export function requestDocument(overrides: Record<string, unknown> = {}): string {
  counter += 1;
  return JSON.stringify({
    reference: `REF-${process.pid}-${counter}`,
    receivedAt: "2020-07-12T09:30:00Z",
    jurisdiction: "US",
    agency: { name: "Agency", email: "officer@agency.gov" },
    process: "court_order",
    targets: [{ type: "phone", value: "+85291234567" }],
    categories: ["subscriber.phone", "records.ip_logs", "content.messages"],
    ...overrides,
  });
}

/**
 * What a review takes besides its verdict: a standards checklist answered in full (every item met, so no note
 * is owed) and what follows a rejection as the server wires it (recordReview has no defaults of its own).
 */
/** The standards checklist answered in full, every item met and the risk low (review.rules.ts). */
export const CHECKLIST_MET = {
  legality: "met",
  necessityAndProportionality: "met",
  dueProcess: "met",
  humanRightsRisk: "low",
} as const;

export const REVIEWED = {
  checklist: CHECKLIST_MET,
  onRejected: rejectionNotices({ emergencyDelayDays: 30 }),
} as const;

/** A report row with the figures a test names, every other count zero. */
export function reportRow(
  period: string,
  jurisdiction: string,
  process: string,
  figures: Partial<ReportRow>,
): ReportRow {
  return {
    period,
    jurisdiction,
    process: process as ReportRow["process"],
    requests: 0,
    accountsSpecified: 0,
    produced: 0,
    held: 0,
    rejected: 0,
    noData: 0,
    ...figures,
  };
}
