import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISHABLE_FIELDS } from "../src/reports/publication.format.js";
import { transition } from "../src/requests/lifecycle.js";
import { intakeRequest } from "../src/requests/requests.service.js";
import { recordReview } from "../src/requests/reviews.service.js";
import { DAY_MS } from "../src/shared/time.js";
import { auditSince, isProblem, lastAuditId } from "./support/attack.js";
import { DRIVERS } from "./support/db.js";
import { REVIEWED, requestDocument } from "./support/fixtures.js";
import { type Desk, openDesk, type Session } from "./support/http.js";

/**
 * Issue 17, item 6: a demand is published, redacted, only once its gag has lifted and counsel (not the
 * person who drafted it) approved it; the public sees only approved publications, and never a withheld
 * value, on the page and in the Lumen export.
 */

describe.each(DRIVERS)("published demands on %s", (driver) => {
  let desk: Desk;
  let reviewer: Session;
  let counsel: Session;

  beforeAll(async () => {
    desk = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
  });

  const signInStaff = async () => {
    reviewer = await desk.signIn(desk.accounts.reviewer);
    counsel = await desk.signIn(desk.accounts.counsel);
  };
  const day = (offsetDays: number) =>
    new Date(desk.clock.now().getTime() + offsetDays * DAY_MS).toISOString().slice(0, 10);

  /** A demand the desk rejected (answered), with the reference and target given, and a gag or none. */
  async function answeredDemand(overrides: Record<string, unknown> = {}): Promise<string> {
    const now = desk.clock.now();
    const { id } = await intakeRequest(desk.db, {
      agencyId: desk.agencies.a,
      originalDocument: requestDocument({
        receivedAt: new Date(now.getTime() - 10 * DAY_MS).toISOString(),
        jurisdiction: "US",
        process: "subpoena",
        reference: `SECRET-CASE-${Math.random().toString(36).slice(2, 8)}`,
        targets: [{ type: "username", value: "target_never_shown" }],
        categories: ["subscriber.name"],
        ...overrides,
      }),
      actor: "intake@test",
      now,
      agencyVerified: true,
    });
    await desk.db
      .transaction()
      .execute((tx) => transition(tx, id, { to: "under_review", actor: "intake@test", reason: "verified", now }));
    await recordReview(desk.db, id, { ...REVIEWED, reviewer: desk.accounts.counsel.email, verdict: "reject", now });
    return id;
  }

  const send = (session: Session | undefined, method: "GET" | "POST", url: string, payload?: unknown) =>
    desk.app.inject({
      method,
      url,
      headers: session?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const draft = (session: Session, id: string, body: unknown) =>
    send(session, "POST", `/api/v1/requests/${id}/publication`, body);
  const approve = (session: Session, id: string, version: number) =>
    send(session, "POST", `/api/v1/requests/${id}/publication/approval`, { version });
  const expectProblem = (response: LightMyRequestResponse, status: number) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(isProblem(response)).toBe(true);
  };
  const stored = (id: string) =>
    desk.db.selectFrom("demand_publication").selectAll().where("request_id", "=", id).executeTakeFirst();
  const refusalsOn = async (since: number, id: string) =>
    (await auditSince(desk, since, "security.refused")).filter((e) => e.object_id === id);

  it("refuses to draft or approve while a non-disclosure order is in force, then allows it once it lifts", async () => {
    await signInStaff();
    const id = await answeredDemand({ nonDisclosure: { until: day(20) } });
    const since = await lastAuditId(desk);
    const refused = await draft(reviewer, id, { redactions: [] });
    expectProblem(refused, 409);
    expect(refused.body).toContain(`may be published from ${day(21)}`);
    expect(await stored(id)).toBeUndefined();
    expect((await refusalsOn(since, id)).map((e) => e.payload.attempted)).toEqual(["publication.draft"]);

    desk.clock.advance(21 * DAY_MS);
    await signInStaff();
    const drafted = await draft(reviewer, id, { redactions: [] });
    expect(drafted.statusCode, drafted.body).toBe(200);
    expect(drafted.json()).toMatchObject({ version: 1, approvedAt: null, draftedBy: desk.accounts.reviewer.email });
  });

  it("refuses the approval when the order was extended after the draft", async () => {
    await signInStaff();
    const id = await answeredDemand({ nonDisclosure: { until: day(-3) } });
    const drafted = await draft(reviewer, id, { redactions: [] });
    expect(drafted.statusCode, drafted.body).toBe(200);
    // A court extends the order before counsel approves.
    await desk.db
      .updateTable("request")
      .set({ non_disclosure_until: day(40) })
      .where("id", "=", id)
      .execute();
    const refused = await approve(counsel, id, 1);
    expectProblem(refused, 409);
    expect(refused.body).toContain(`under a non-disclosure order until ${day(40)}`);
    expect((await stored(id))?.approved_at).toBeNull();
  });

  it("refuses a national-security demand with no end to its gag, and a demand not yet answered", async () => {
    await signInStaff();
    const gagged = await answeredDemand({ process: "national_security" });
    const refused = await draft(counsel, gagged, { redactions: [] });
    expectProblem(refused, 409);
    expect(refused.body).toContain("no recorded end to its gag");
    const { id: pending } = await intakeRequest(desk.db, {
      agencyId: desk.agencies.a,
      originalDocument: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.name"] }),
      actor: "intake@test",
      now: desk.clock.now(),
      agencyVerified: true,
    });
    const early = await draft(counsel, pending, { redactions: [] });
    expectProblem(early, 409);
    expect(early.body).toContain("published only once it has been answered");
    expect(await stored(gagged)).toBeUndefined();
    expect(await stored(pending)).toBeUndefined();
  });

  it("names the field of a bad redaction, and stores nothing", async () => {
    await signInStaff();
    const id = await answeredDemand();
    const unknown = await draft(reviewer, id, { redactions: [{ field: "targets", reason: "always" }] });
    expectProblem(unknown, 400);
    expect((unknown.json() as { errors: { path: string }[] }).errors[0]?.path).toBe("body.redactions[0].field");
    const twice = await draft(reviewer, id, {
      redactions: [
        { field: "reference", reason: "the agency's case" },
        { field: "reference", reason: "again" },
      ],
    });
    expectProblem(twice, 400);
    expect((twice.json() as { errors: { path: string }[] }).errors[0]?.path).toBe("redactions[1].field");
    expect(await stored(id)).toBeUndefined();
  });

  it("publishes nothing without counsel's approval, and never on the drafter's own approval", async () => {
    await signInStaff();
    const id = await answeredDemand();
    const drafted = await draft(counsel, id, { redactions: [] });
    expect(drafted.statusCode, drafted.body).toBe(200);
    const listed = async () =>
      (
        (await send(undefined, "GET", "/api/v1/publications")).json() as { publications: { requestId: string }[] }
      ).publications.map((p) => p.requestId);
    expect(await listed()).not.toContain(id);
    expect((await send(undefined, "GET", "/reports/demands")).body).not.toContain(id);

    const since = await lastAuditId(desk);
    const own = await approve(counsel, id, 1);
    expectProblem(own, 403);
    expect(own.body).toContain("drafted a publication may not approve it");
    expect((await refusalsOn(since, id)).map((e) => e.payload.attempted)).toEqual(["publication.approve"]);
    // A reviewer may draft but never approve.
    expectProblem(await approve(reviewer, id, 1), 403);
    expect((await stored(id))?.approved_at).toBeNull();
    expect(await listed()).not.toContain(id);
  });

  it("publishes the approved version only, with no withheld value on the page or in the Lumen export", async () => {
    await signInStaff();
    const id = await answeredDemand({ issuedBy: "Judge Withheld-Name" });
    const reference = (
      await desk.db.selectFrom("request").select("reference").where("id", "=", id).executeTakeFirstOrThrow()
    ).reference;
    const first = await draft(reviewer, id, { redactions: [{ field: "reference", reason: "the agency's open case" }] });
    expect(first.statusCode, first.body).toBe(200);
    const second = await draft(reviewer, id, {
      redactions: [
        { field: "reference", reason: "the agency's open case" },
        { field: "issuedBy", reason: "names a judge" },
      ],
      summary: "A subpoena for a subscriber's name, refused.",
    });
    expect(second.json()).toMatchObject({ version: 2 });
    // Counsel read version 1; the draft has moved on since.
    const stale = await approve(counsel, id, 1);
    expectProblem(stale, 400);
    expect((stale.json() as { errors: { path: string }[] }).errors[0]?.path).toBe("version");

    const since = await lastAuditId(desk);
    const approved = await approve(counsel, id, 2);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ version: 2, approvedBy: desk.accounts.counsel.email });
    expect((await auditSince(desk, since, "publication.approved")).map((e) => [e.object_id, e.payload])).toEqual([
      [id, { version: 2 }],
    ]);
    // Published is final.
    expectProblem(await draft(reviewer, id, { redactions: [] }), 409);

    const published = (await send(undefined, "GET", "/api/v1/publications")).json() as {
      publications: { requestId: string; shown: Record<string, unknown>; redactions: { field: string }[] }[];
    };
    const mine = published.publications.find((p) => p.requestId === id);
    expect(Object.keys(mine?.shown ?? {}).sort()).toEqual(
      PUBLISHABLE_FIELDS.filter((f) => f !== "reference" && f !== "issuedBy").sort(),
    );
    expect(mine?.redactions.map((r) => r.field)).toEqual(["targets", "reference", "issuedBy"]);
    expect(mine?.shown).toMatchObject({ jurisdiction: "US", process: "subpoena", outcome: "rejected" });

    const page = await send(undefined, "GET", "/reports/demands");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("A subpoena for a subscriber&#39;s name, refused.");
    expect(page.body).toContain("the agency&#39;s open case");
    for (const withheld of [reference, "Judge Withheld-Name", "target_never_shown"]) {
      expect(page.body).not.toContain(withheld);
      expect(JSON.stringify(published)).not.toContain(withheld);
    }

    const lumen = await send(undefined, "GET", "/api/v1/publications/lumen");
    expect(lumen.statusCode).toBe(200);
    const notices = (lumen.json() as { notices: Record<string, unknown>[] }).notices;
    const notice = notices.find((n) => n.id === id);
    expect(Object.keys(notice ?? {}).sort()).toEqual(
      [
        "categories",
        "date_received",
        "date_sent",
        "explanation",
        "id",
        "jurisdictions",
        "recipient_name",
        "regulations",
        "request_type",
        "sender_name",
        "tags",
        "title",
        "type",
        "works",
      ].sort(),
    );
    expect(notice).toMatchObject({
      type: "LawEnforcementRequest",
      date_sent: null,
      jurisdictions: ["US"],
      request_type: "Subpoena",
      tags: ["subpoena", "rejected"],
      works: [
        {
          original_work_urls: [],
          urls_in_request: [],
          subject_of_enforcement_request: "Data asked for: subscriber.name",
        },
      ],
    });
    expect(notice?.explanation).toContain("Withheld: targets: ");
    for (const withheld of [reference, "Judge Withheld-Name", "target_never_shown"])
      expect(lumen.body).not.toContain(withheld);
  });

  it("drafts and approves through the desk's pages with the API's service, refusals said in sentences", async () => {
    const page = (session: { cookie: string }, url: string) =>
      desk.app.inject({ method: "GET", url, headers: { cookie: session.cookie } });
    const form = (session: { cookie: string; csrf: string }, url: string, fields: [string, string][]) =>
      desk.app.inject({
        method: "POST",
        url,
        headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams([["_csrf", session.csrf], ...fields]).toString(),
      });
    const gagged = await answeredDemand({ nonDisclosure: { until: day(20) } });
    const reviewerPage = await desk.signInPage(desk.accounts.reviewer);
    const blocked = await page(reviewerPage, `/desk/requests/${gagged}`);
    expect(blocked.body).toContain(
      `A non-disclosure order is in force until ${day(20)}: this demand may be published from ${day(21)}.`,
    );
    expect(blocked.body).not.toContain('name="intent"');
    const refused = await form(reviewerPage, `/desk/requests/${gagged}/publication`, [["intent", "preview"]]);
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain("this demand may be published from");

    const id = await answeredDemand();
    const { reference } = await desk.db
      .selectFrom("request")
      .select("reference")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const shown = await page(reviewerPage, `/desk/requests/${id}`);
    expect(shown.body).toContain('<h2 id="publication-h">Publication</h2>');
    // A withheld field needs its reason: said beside it, the ticks and the summary kept.
    const noReason = await form(reviewerPage, `/desk/requests/${id}/publication`, [
      ["intent", "save"],
      ["redact", "reference"],
      ["summary", "A subpoena."],
    ]);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain("Say why the agency's reference is withheld");
    expect(noReason.body).toContain("A subpoena.");
    const fields: [string, string][] = [
      ["redact", "reference"],
      ["reason_reference", "An open case."],
      ["summary", "A subpoena."],
    ];
    const preview = await form(reviewerPage, `/desk/requests/${id}/publication`, [["intent", "preview"], ...fields]);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain("Preview: what the public will see (not saved)");
    expect(preview.body).toContain("An open case.");
    const previewed = preview.body.split('aria-label="Preview of the draft, not saved">')[1]?.split("</section>")[0];
    expect(previewed).toContain("A subpoena.");
    expect(previewed).not.toContain(reference);
    expect(await stored(id)).toBeUndefined();

    const counselPage = await desk.signInPage(desk.accounts.counsel);
    const saved = await form(counselPage, `/desk/requests/${id}/publication`, [["intent", "save"], ...fields]);
    expect(saved.statusCode).toBe(303);
    expect(await stored(id)).toMatchObject({ version: 1, approved_at: null, summary: "A subpoena." });
    const approval = await page(counselPage, `/desk/requests/${id}/publication/approval`);
    expect(approval.body).toContain("This will be public at");
    expect(approval.body).toContain("You drafted this version, so another member of counsel must approve it.");
    const since = await lastAuditId(desk);
    const own = await form(counselPage, `/desk/requests/${id}/publication/approval`, [["version", "1"]]);
    expect(own.statusCode).toBe(403);
    expect(own.body).toContain("so another member of counsel must approve it. Nothing was published.");
    expect((await refusalsOn(since, id)).map((e) => e.payload.attempted)).toEqual(["publication.approve"]);
    expect((await stored(id))?.approved_at).toBeNull();
    // A reviewer may draft, never approve: the approval page is not theirs.
    expect((await page(reviewerPage, `/desk/requests/${id}/publication/approval`)).statusCode).toBe(403);
  });
});
