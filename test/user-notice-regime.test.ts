/**
 * User notice per regime (docs/policy.md#user-notice), on each driver: who tells the person whose data
 * were asked for is the policy's rule for the request's regime, shown on the desk with its source.
 */

import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDueJobs } from "../src/jobs/jobs.js";
import { type NoticeKind, scheduleUserNotices } from "../src/notices/user-notice.service.js";
import { readNoticeReport, recomputeNoticeReport } from "../src/reports/notice.repository.js";
import { jobHandlers } from "../src/server/job-handlers.js";
import { DAY_MS } from "../src/shared/time.js";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy, ROOT, requestDocument } from "./support/fixtures.js";
import { type Account, type Desk, foreignOfficer, openDesk } from "./support/http.js";

// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
const POSTFACH = read("policies/presets/eu-mail.yaml");

describe.each(DRIVERS)("who tells the user, per regime, on %s", (driver) => {
  let desk: Desk;
  let eu: Account;
  beforeAll(async () => {
    desk = await openDesk(driver);
    await activateExamplePolicy(desk.db, POSTFACH);
    eu = await foreignOfficer(desk, "ES", "guardiacivil.es", "j5@guardiacivil.es");
  });
  afterAll(async () => {
    await desk?.close();
  });

  async function submit(officer: Account, doc: Json): Promise<string> {
    const session = await desk.signIn(officer);
    const response = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...session.headers, "content-type": "application/json" },
      payload: JSON.stringify(doc),
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }
  const epoc = (): Json => JSON.parse(read("examples/requests/eu-epoc-judge.json"));

  it("shows staff who tells the user under the request's regime, the rule's line and the authority's delay", async () => {
    const doc = epoc();
    doc.reference = "NOTICE-EU-1";
    doc.legalBasis.userInformationDelay = { reason: "The investigation would be compromised.", until: "2027-03-31" };
    const id = await submit(eu, doc);
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const detail = (
      await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: reviewer.headers })
    ).json() as Json;
    expect(detail.userNotice).toEqual({
      by: "issuing_authority",
      afterDays: 0,
      rule: "userNotice.eu_e_evidence",
      reason:
        "The issuing authority informs the person (Art. 13(1)); Postfach keeps the order confidential (Art. 13(4)).",
    });
    const page = await desk.signInPage(desk.accounts.reviewer);
    const html = (
      await desk.app.inject({ method: "GET", url: `/desk/requests/${id}`, headers: { cookie: page.cookie } })
    ).body;
    expect(html).toContain("Telling the user");
    expect(html).toContain("the issuing authority informs the person; we send nothing and keep the order confidential");
    expect(html).toContain("(userNotice.eu_e_evidence)");

    // The same order under a policy that writes no rule for the EU: the Regulation's default, so cited.
    const variant = (version: string, userNotice: string) =>
      POSTFACH.replace(/version: "[^"]*"/, `version: "${version}"`).replace(/\nuserNotice:[\s\S]*$/, `\n${userNotice}`);
    await activateExamplePolicy(desk.db, variant("t-default", ""));
    const again = (
      await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: reviewer.headers })
    ).json() as Json;
    expect(again.userNotice).toMatchObject({
      by: "issuing_authority",
      rule: "the eu_e_evidence regime's default (docs/policy.md#user-notice)",
    });
    // Counsel's rule lets the provider tell: the authority's delay is then what the desk must see.
    await activateExamplePolicy(
      desk.db,
      variant("t-provider", "userNotice:\n  eu_e_evidence: { by: provider, afterDays: 14 }\n"),
    );
    const told = await desk.app.inject({
      method: "GET",
      url: `/desk/requests/${id}`,
      headers: { cookie: page.cookie },
    });
    expect(told.body).toContain("we tell the user 14 days after we answer, once nothing bars it");
    expect(told.body).toContain("the issuing authority delays informing the user");
    expect(told.body).toContain('<time datetime="2027-03-31">2027-03-31</time>');
  });

  it("leaves US process to the provider, as before", async () => {
    const id = await submit(
      desk.accounts.officerA,
      JSON.parse(requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.name"] })),
    );
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const detail = (
      await desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}`, headers: reviewer.headers })
    ).json() as Json;
    expect(detail.userNotice).toMatchObject({
      by: "provider",
      rule: "the us regime's default (docs/policy.md#user-notice)",
    });
  });

  // The notice service itself, as fulfilment and rejection call it in their transactions.
  const schedule = (requestId: string, now: Date, kind: NoticeKind = "delivered") =>
    desk.db
      .transaction()
      .execute((tx) =>
        scheduleUserNotices(tx, { requestId, kind, actor: "counsel@test", now, settings: { emergencyDelayDays: 30 } }),
      );
  const record = (requestId: string) =>
    desk.db.selectFrom("user_notice").selectAll().where("request_id", "=", requestId).executeTakeFirstOrThrow();
  const trail = (requestId: string, action: string) =>
    desk.db
      .selectFrom("audit_event")
      .select(["payload"])
      .where("object_id", "=", requestId)
      .where("action", "=", action as "notice.scheduled")
      .orderBy("id")
      .execute();
  const jobsFor = (requestId: string) =>
    desk.db
      .selectFrom("job")
      .select(["run_at", "status"])
      .where("kind", "=", "notice.send")
      .where(sql<string>`payload->>'requestId'`, "=", requestId)
      .execute();
  const policyVariant = (version: string, userNotice: string) =>
    POSTFACH.replace(/version: "[^"]*"/, `version: "${version}"`).replace(/\nuserNotice:[\s\S]*$/, `\n${userNotice}`);

  it("sends nothing for an EU order whose notice the issuing authority gives, and counts it apart", async () => {
    await activateExamplePolicy(desk.db, POSTFACH);
    const doc = epoc();
    doc.reference = "NOTICE-EU-AUTHORITY";
    const id = await submit(eu, doc);
    const outboxBefore = await desk.db.selectFrom("mail_outbox").select("id").execute();
    expect(await schedule(id, desk.clock.now())).toEqual({ sent: 0, deferredUntil: null, barred: false });
    expect((await record(id)).status).toBe("by_authority");
    expect(await desk.db.selectFrom("mail_outbox").select("id").execute()).toHaveLength(outboxBefore.length);
    expect(await jobsFor(id)).toEqual([]);
    expect((await trail(id, "notice.left_to_authority")).map((e) => e.payload)).toEqual([
      {
        kind: "delivered",
        regime: "eu_e_evidence",
        rule: "userNotice.eu_e_evidence",
        reason:
          "The issuing authority informs the person (Art. 13(1)); Postfach keeps the order confidential (Art. 13(4)).",
        policy: { name: "Postfach", version: "2026-12-02" },
      },
    ]);
    const figures = await readNoticeReport(desk.db, "2026");
    expect(figures.find((r) => r.jurisdiction === "ES")).toMatchObject({ byAuthority: 1, given: 0, notPossible: 0 });
    expect(figures).toEqual(await recomputeNoticeReport(desk.db, "2026"));
  });

  it("where counsel lets the provider tell, bars the notice through the authority's delay and waits the policy's days once", async () => {
    await activateExamplePolicy(
      desk.db,
      policyVariant("t-provider-days", "userNotice:\n  eu_e_evidence: { by: provider, afterDays: 14 }\n"),
    );
    const now = desk.clock.now();
    // Delayed by the authority to a date: barred until then, a job the day after.
    const dated = epoc();
    dated.reference = "NOTICE-EU-DELAY-DATED";
    dated.legalBasis.userInformationDelay = { reason: "The investigation would be compromised.", until: "2099-03-31" };
    const datedId = await submit(eu, dated);
    const first = await schedule(datedId, now);
    expect(first).toMatchObject({ sent: 0, barred: true });
    expect(first.deferredUntil?.toISOString()).toBe("2099-04-01T00:00:00.000Z");
    expect(await record(datedId)).toMatchObject({ status: "barred", barred_until: "2099-03-31" });
    expect((await trail(datedId, "notice.scheduled"))[0]?.payload).toMatchObject({
      because: "authority_delay",
      authorityDelayUntil: "2099-03-31",
    });
    // Delayed with no end: barred, and no job waits.
    const open = epoc();
    open.reference = "NOTICE-EU-DELAY-OPEN";
    open.legalBasis.userInformationDelay = { reason: "The investigation would be compromised." };
    const openId = await submit(eu, open);
    expect(await schedule(openId, now)).toEqual({ sent: 0, deferredUntil: null, barred: true });
    expect(await record(openId)).toMatchObject({ status: "barred", barred_until: null });
    expect(await jobsFor(openId)).toEqual([]);
    // No delay: the policy's 14 days, then the job sends (or finds nobody) instead of waiting 14 more.
    const plain = epoc();
    plain.reference = "NOTICE-EU-DAYS";
    const plainId = await submit(eu, plain);
    const waited = await schedule(plainId, now);
    expect(waited.deferredUntil?.getTime()).toBe(now.getTime() + 14 * DAY_MS);
    expect((await record(plainId)).status).toBe("pending");
    await runDueJobs(desk.db, jobHandlers(), { workerId: "test", now: () => new Date(now.getTime() + 15 * DAY_MS) });
    expect(await jobsFor(plainId)).toEqual([expect.objectContaining({ status: "done" })]);
    expect(["given", "not_possible"]).toContain((await record(plainId)).status);
    expect(await readNoticeReport(desk.db, "2026")).toEqual(await recomputeNoticeReport(desk.db, "2026"));
  });

  it("decides again when a deferred notice falls due: a rule changed meanwhile leaves it to the authority", async () => {
    await activateExamplePolicy(
      desk.db,
      policyVariant("t-provider-days-2", "userNotice:\n  eu_e_evidence: { by: provider, afterDays: 3 }\n"),
    );
    const now = desk.clock.now();
    const doc = epoc();
    doc.reference = "NOTICE-EU-RULE-CHANGED";
    const id = await submit(eu, doc);
    await schedule(id, now);
    expect((await record(id)).status).toBe("pending");
    await activateExamplePolicy(desk.db, policyVariant("t-authority-again", ""));
    await runDueJobs(desk.db, jobHandlers(), { workerId: "test", now: () => new Date(now.getTime() + 4 * DAY_MS) });
    expect((await record(id)).status).toBe("by_authority");
    expect(await trail(id, "notice.left_to_authority")).toHaveLength(1);
  });
});
