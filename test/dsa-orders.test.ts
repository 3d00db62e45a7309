/**
 * The DSA's facts on an order through the API, and its report (docs/reports.md#the-dsa-report), on each
 * driver: a French prosecutor's officer files an EPOC, whose answer confirms its receipt and whose offence
 * gives its category; staff correct the category and cannot move a confirmation; counsel's rejection
 * answers it as not executed; the year's report in the template's layout counts it under France and its
 * category, served for a year and not for a half-year.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgency, decideAgencyChange, proposeAgencyChange } from "../src/agencies/agencies.service.js";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy, ROOT } from "./support/fixtures.js";
import { type Account, activeOfficer, type Desk, openDesk, principalOf, type Session } from "./support/http.js";

// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;

describe.each(DRIVERS)("an EU order's DSA facts and report on %s", (driver) => {
  let desk: Desk;
  let officer: Account;
  let id: string;
  let confirmedAt: string;

  beforeAll(async () => {
    desk = await openDesk(driver);
    await activateExamplePolicy(desk.db, readFileSync(`${ROOT}policies/presets/eu-mail.yaml`, "utf8"));
    const admin = principalOf(desk.accounts.admin);
    const agency = await createAgency(
      desk.db,
      admin,
      { name: "Parquet de Paris", jurisdiction: "FR" },
      desk.clock.now(),
    );
    for (const change of [
      { kind: "add_domain" as const, value: "justice.gouv.fr" },
      { kind: "set_phone" as const, value: "+33144321234" },
    ]) {
      const changeId = await proposeAgencyChange(desk.db, admin, agency, change, desk.clock.now());
      await decideAgencyChange(desk.db, principalOf(desk.admin2), changeId, true, desk.clock.now());
    }
    desk.clock.advance(1000);
    officer = await activeOfficer(
      { db: desk.db, clock: desk.clock, publicUrl: desk.config.publicUrl, intake: desk.accounts.intake },
      { email: "j3@justice.gouv.fr", agencyId: agency },
    );
  });
  afterAll(async () => {
    await desk?.close();
  });

  const send = (session: Session, method: "GET" | "POST", url: string, payload?: Json) =>
    desk.app.inject({
      method,
      url,
      headers: { ...session.headers, ...(payload ? { "content-type": "application/json" } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
  const facts = async (account: Account, body: Json) =>
    send(await desk.signIn(account), "POST", `/api/v1/requests/${id}/order-facts`, body);
  const trail = async () =>
    desk.db
      .selectFrom("audit_event")
      .select(["action", "actor", "payload"])
      .where("object_id", "=", id)
      .where("action", "in", ["request.receipt_confirmed", "request.category_recorded"])
      .orderBy("id")
      .execute();

  it("the officer's submission confirms receipt at once, and the EPOC's offence gives its category", async () => {
    const doc = JSON.parse(readFileSync(`${ROOT}examples/requests/eu-epoc-prosecutor.json`, "utf8")) as Json;
    const submitted = await send(await desk.signIn(officer), "POST", "/api/v1/requests", doc);
    expect(submitted.statusCode, submitted.body).toBe(201);
    id = (submitted.json() as { id: string }).id;
    const row = await desk.db
      .selectFrom("request")
      .select(["illegal_content_category", "receipt_confirmed_at", "received_at", "effect"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.illegal_content_category).toBe("STATEMENT_CATEGORY_SCAMS_AND_FRAUD");
    // Received on 1 December 2026, answered by the portal at the desk's clock (later).
    expect(row.receipt_confirmed_at?.getTime()).toBe(Math.max(desk.clock.now().getTime(), row.received_at.getTime()));
    expect(row.effect).toBeNull();
    confirmedAt = (row.receipt_confirmed_at as Date).toISOString();
    expect((await trail()).map((e) => e.action)).toEqual(["request.receipt_confirmed"]);
  });

  it("staff correct the category (audited, with what it was); a confirmation is not moved; others are refused", async () => {
    const corrected = await facts(desk.accounts.reviewer, {
      illegalContentCategory: "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(corrected.json()).toEqual({
      illegalContentCategory: "STATEMENT_CATEGORY_CYBER_VIOLENCE",
      receiptConfirmedAt: confirmedAt,
      effect: null,
      effectAt: null,
    });
    const entries = await trail();
    expect(entries.at(-1)).toMatchObject({
      action: "request.category_recorded",
      actor: desk.accounts.reviewer.email,
      payload: { category: "STATEMENT_CATEGORY_CYBER_VIOLENCE", from: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" },
    });

    const moved = await facts(desk.accounts.intake, { receiptConfirmedAt: desk.clock.now().toISOString() });
    expect(moved.statusCode, moved.body).toBe(409);
    expect(moved.json().detail).toContain("receipt was already confirmed to the authority");

    const unknown = await facts(desk.accounts.intake, { illegalContentCategory: "KEYWORD_HATE_SPEECH" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain("illegalContentCategory");
    expect(unknown.body).toContain("2024/2835");

    const byOfficer = await facts(officer, { illegalContentCategory: "STATEMENT_CATEGORY_VIOLENCE" });
    expect(byOfficer.statusCode).toBe(403);
    expect(await trail()).toHaveLength(entries.length);
  });

  it("counsel's rejection answers the order as not executed; the year's DSA report counts it, a half-year has none", async () => {
    desk.clock.advance(3 * 3_600_000);
    const advanced = await send(await desk.signIn(desk.accounts.intake), "POST", `/api/v1/requests/${id}/advance`, {
      to: "under_review",
      note: "verified the prosecutor's file number",
    });
    expect(advanced.statusCode, advanced.body).toBe(200);
    const rejected = await send(await desk.signIn(desk.accounts.counsel), "POST", `/api/v1/requests/${id}/reviews`, {
      verdict: "reject",
      note: "not entitled",
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const row = await desk.db
      .selectFrom("request")
      .select(["effect", "effect_at", "received_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.effect).toBe("not_executed");
    expect(row.effect_at?.getTime()).toBe(desk.clock.now().getTime());

    const csv = await desk.app.inject({ method: "GET", url: "/reports/2026.dsa.csv" });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const lines = parse(csv.body, { columns: true }) as Record<string, string>[];
    const france = lines.filter((l) => l.Scope === "FR");
    const hours = (ms: number) => `${Number((ms / 3_600_000).toFixed(2))} h`;
    expect(france.map((l) => [l["Category of illegal content"], l["Number of orders to provide information"]])).toEqual(
      [
        ["TOTAL", "1"],
        ["STATEMENT_CATEGORY_CYBER_VIOLENCE", "1"],
      ],
    );
    expect(france[0]?.["Median time to inform the authority of the receipt of the order to provide information"]).toBe(
      hours(Date.parse(confirmedAt) - row.received_at.getTime()),
    );
    expect(france[0]?.["Median time to give effect to the order to provide information"]).toBe(
      hours((row.effect_at as Date).getTime() - row.received_at.getTime()),
    );
    expect((await desk.app.inject({ method: "GET", url: "/reports/2026H2.dsa.csv" })).statusCode).toBe(404);
    const page = await desk.app.inject({ method: "GET", url: "/reports/2026" });
    expect(page.body).toContain('href="/reports/2026.dsa.csv"');
    const half = await desk.app.inject({ method: "GET", url: "/reports/2026H1" });
    expect(half.body).not.toContain(".dsa.csv");
  });
});
