/**
 * European Production and Preservation Orders through the API (docs/regimes.md), on each driver: a French
 * prosecutor's officer files an EPOC under the Postfach preset (policies/presets/eu-mail.yaml); what
 * the Regulation does not entitle it to is answered with a refusal citing the article; bad orders are
 * refused naming the field, and nothing of them is stored.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy } from "./support/fixtures.js";
import { type Account, type Desk, foreignOfficer, openDesk } from "./support/http.js";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;

describe.each(DRIVERS)("EU orders through the API on %s", (driver) => {
  let desk: Desk;
  let officer: Account;
  const epoc = (): Json => JSON.parse(read("examples/requests/eu-epoc-prosecutor.json"));

  beforeAll(async () => {
    desk = await openDesk(driver);
    await activateExamplePolicy(desk.db, read("policies/presets/eu-mail.yaml"));
    officer = await foreignOfficer(desk, "FR", "justice.gouv.fr", "j3@justice.gouv.fr");
  });
  afterAll(async () => {
    await desk?.close();
  });

  const submit = async (doc: Json) => {
    const session = await desk.signIn(officer);
    return desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...session.headers, "content-type": "application/json" },
      payload: JSON.stringify(doc),
    });
  };
  const stored = async () =>
    Number(
      (
        await desk.db
          .selectFrom("request")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("a prosecutor's EPOC: subscriber and identification data decided for production, traffic and content refused citing Art. 4(2)", async () => {
    const doc = epoc();
    const submitted = await submit(doc);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id, outcome } = submitted.json() as { id: string; outcome: string };
    expect(outcome).toBe("comply_partial");

    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const seen = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: reviewer.headers });
    expect(seen.statusCode, seen.body).toBe(200);
    const detail = seen.json() as Json;
    expect(detail).toMatchObject({
      regime: "eu_e_evidence",
      instrument: "epoc",
      legalBasis: {
        regime: "eu_e_evidence",
        instrument: "epoc",
        issuingAuthority: { name: "Parquet de Paris", kind: "public_prosecutor", fileNumber: "PNR 26/118/457" },
        issuingState: "FR",
        emergency: false,
      },
    });
    // The IP address comes back with its moment (in UTC, as stored), zone and port.
    expect(detail.targets[1]).toEqual({
      type: "ip_address",
      value: "203.0.113.74",
      at: "2026-11-29T21:41:09.000Z",
      timeZone: "Europe/Paris",
      port: 51234,
    });
    const items = detail.decision.items as Json[];
    const refused = items.filter((i) => i.refusal);
    expect(refused.map((i) => i.category).sort()).toEqual([
      "content.messages",
      "content.messages",
      "records.connections",
      "records.connections",
    ]);
    for (const item of refused) {
      expect(item).toMatchObject({
        action: "withhold",
        refusal: { form: "annex_iii", ground: "issuing_authority", article: "Art. 4(2)" },
      });
      expect(item.rule).toMatch(/^regimes\.eu_e_evidence\.categories\.(traffic|content)$/);
    }
    expect(items.filter((i) => i.action === "disclose").map((i) => i.category)).toContain("records.ip_logs");
    expect(detail.decision.needsReview).toBe(true);
    expect(detail.decision.reviewReasons.join(" ")).toContain("Annex III");

    // The officer sees the regime of their own order, not the desk's deliberations.
    const own = await desk.signIn(officer);
    const officerView = await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: own.headers });
    expect(officerView.json()).toMatchObject({ view: "officer", regime: "eu_e_evidence", decision: null });

    const row = await desk.db
      .selectFrom("request")
      .select(["regime", "instrument", "legal_basis"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ regime: "eu_e_evidence", instrument: "epoc" });
    expect(row.legal_basis).toMatchObject({
      offence: { category: "non_cash_payment_fraud", maximumSentenceMonths: 60 },
    });
    const received = await desk.db
      .selectFrom("audit_event")
      .select("payload")
      .where("object_id", "=", id)
      .where("action", "=", "request.received")
      .executeTakeFirstOrThrow();
    expect(received.payload).toMatchObject({ regime: "eu_e_evidence", instrument: "epoc" });
  });

  it("refuses bad orders naming the field, and stores nothing of them", async () => {
    const before = await stored();
    const cases: Array<[string, (doc: Json) => void, string]> = [
      ["no issuing authority", (d) => delete d.legalBasis.issuingAuthority, "legalBasis.issuingAuthority"],
      ["an unknown regime", (d) => (d.legalBasis.regime = "eu"), "legalBasis.regime"],
      // After receipt, but before now: late the moment it would arrive.
      ["a deadline in the past", (d) => (d.legalBasis.deadline = "2026-12-01T12:00:00+01:00"), "legalBasis.deadline"],
      ["an IP address without its moment", (d) => delete d.targets[1].at, "targets[1].at"],
    ];
    for (const [what, change, path] of cases) {
      const doc = epoc();
      doc.reference = `PNR-BAD-${path}`;
      change(doc);
      const response = await submit(doc);
      expect(response.statusCode, `${what}: ${response.body}`).toBe(400);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(JSON.stringify(response.json()), what).toContain(path);
    }
    expect(await stored()).toBe(before);
  });

  it("an EPOC-PR is preserved at once, and a US request without a legal basis is the us regime as before", async () => {
    const pr = JSON.parse(read("examples/requests/eu-epoc-pr.json")) as Json;
    pr.jurisdiction = "FR";
    pr.legalBasis.issuingState = "FR";
    const submitted = await submit(pr);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    expect(submitted.json()).toMatchObject({ status: "preserved", outcome: "preserve" });
    const hold = await desk.db
      .selectFrom("preservation_hold")
      .select("status")
      .where("request_id", "=", id)
      .executeTakeFirst();
    expect(hold?.status).toBe("active");

    const us = await desk.signIn(desk.accounts.officerA);
    const plain = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...us.headers, "content-type": "application/json" },
      payload: read("examples/requests/us-subpoena.json"),
    });
    expect(plain.statusCode, plain.body).toBe(201);
    const row = await desk.db
      .selectFrom("request")
      .select(["regime", "instrument", "legal_basis"])
      .where("id", "=", (plain.json() as { id: string }).id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ regime: "us", instrument: null, legal_basis: null });
  });

  const DAY = 86_400_000;
  const receipt = async (id: string) =>
    (
      await desk.db
        .selectFrom("audit_event")
        .select("occurred_at")
        .where("object_id", "=", id)
        .where("action", "=", "request.received")
        .executeTakeFirstOrThrow()
    ).occurred_at.getTime();

  it("an EPOC is preserved on receipt and due in 10 days; an emergency EPOC in 8 hours, reminded 2 hours before", async () => {
    const doc = epoc();
    doc.reference = "PNR-CLOCK-10D";
    const submitted = await submit(doc);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const at = await receipt(id);
    const row = await desk.db
      .selectFrom("request")
      .select(["deadline_at", "status"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("received");
    expect(row.deadline_at?.getTime()).toBe(at + 10 * DAY);
    const hold = await desk.db
      .selectFrom("preservation_hold")
      .select(["status", "expires_at"])
      .where("request_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(hold.status).toBe("active");
    expect(hold.expires_at.getTime()).toBe(at + 60 * DAY);

    const urgent = epoc();
    urgent.reference = "PNR-CLOCK-8H";
    urgent.process = "emergency";
    urgent.emergency = { justification: "a child is in danger now" };
    urgent.legalBasis.emergency = true;
    const fast = await submit(urgent);
    expect(fast.statusCode, fast.body).toBe(201);
    const fastId = (fast.json() as { id: string }).id;
    const fastAt = await receipt(fastId);
    const fastRow = await desk.db
      .selectFrom("request")
      .select("deadline_at")
      .where("id", "=", fastId)
      .executeTakeFirstOrThrow();
    expect(fastRow.deadline_at?.getTime()).toBe(fastAt + 8 * 3_600_000);
    const reminder = await desk.db
      .selectFrom("job")
      .select("run_at")
      .where("dedupe_key", "=", `deadline:${fastId}`)
      .executeTakeFirstOrThrow();
    expect(reminder.run_at.getTime()).toBe(fastAt + 6 * 3_600_000);
    // The desk's queue, soonest deadline first, puts the 8-hour order before the 10-day one.
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const queue = await desk.app.inject({
      method: "GET",
      url: "/api/v1/requests?sort=deadline",
      headers: reviewer.headers,
    });
    const order = (queue.json() as { items: Array<{ id: string }> }).items.map((i) => i.id);
    expect(order.indexOf(fastId)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(fastId)).toBeLessThan(order.indexOf(id));
  });

  it("an EPOC-PR keeps its data 60 days (Art. 11(1)), not the 90 of 18 U.S.C. 2703(f)", async () => {
    const pr = JSON.parse(read("examples/requests/eu-epoc-pr.json")) as Json;
    pr.reference = "OM-CLOCK-60D";
    pr.jurisdiction = "FR";
    pr.legalBasis.issuingState = "FR";
    const submitted = await submit(pr);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const hold = await desk.db
      .selectFrom("preservation_hold")
      .select("expires_at")
      .where("request_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(hold.expires_at.getTime()).toBe((await receipt(id)) + 60 * DAY);
  });
});
