import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activatePolicy } from "../src/policy/policy.store.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { DRIVERS } from "./support/db.js";
import { CHECKLIST_MET, EXAMPLE_POLICY, requestDocument, TEST_OPERATOR } from "./support/fixtures.js";
import { type Desk, openDesk, type PageSession, type Session } from "./support/http.js";

/**
 * Issue 12, defects 4 and 5, over a real port. The standards checklist gates a recommendation to approve
 * and an approval: every item answered in so many words (no booleans, nothing pre-selected), a note for each
 * not met, and a high human-rights risk carries counsel's reasoned note; a refusal is a 400 naming the field,
 * records nothing and is written on the request. And the reviewer sees what they certify: the request as
 * filed, in the API and beside the checklist on the desk page.
 */

const WARRANT = {
  jurisdiction: "US",
  process: "search_warrant",
  issuedBy: "U.S. District Court for the Northern District of California",
  findings: ["terrorism_suspect"],
  targets: [{ type: "username", value: "suspect.one" }],
  categories: ["subscriber.name", "content.posts"],
  dateRange: { from: "2020-06-01", to: "2020-07-01" },
  nonDisclosure: { until: "2021-01-01" },
};
const VERIFIED_NOTE = "Warrant checked with the clerk of the Northern District; docket 20-mj-7101 exists.";
const REASONING = "The warrant is particular to one account and one month; the risk to the user is outweighed.";

interface Problem {
  status: number;
  errors?: Array<{ path: string; message: string }>;
  detail: string;
}

describe.each(DRIVERS)("the standards checklist and the request as filed, on %s", (driver) => {
  let desk: Desk;
  let server: RunningServer;
  let reviewer: Session;
  let counsel: Session;
  let intake: Session;
  let auditor: Session;

  const call = async (method: string, path: string, session: Session, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...session.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get("content-type") ?? "",
      text,
      json: <T = Record<string, unknown>>() => JSON.parse(text) as T,
    };
  };
  const page = async (path: string, session: PageSession, form?: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: { cookie: session.cookie, ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(form ? { body: new URLSearchParams({ _csrf: session.csrf, ...form }).toString() } : {}),
    });
    return { status: response.status, location: response.headers.get("location"), text: await response.text() };
  };
  const review = (id: string, session: Session, body: Record<string, unknown>) =>
    call("POST", `/api/v1/requests/${id}/reviews`, session, body);
  const reviewsOf = async (id: string) =>
    desk.db.selectFrom("review").select(["reviewer", "verdict"]).where("request_id", "=", id).execute();
  const refusalsOf = async (id: string) => {
    const timeline = await call("GET", `/api/v1/requests/${id}/timeline`, auditor);
    expect(timeline.status, timeline.text).toBe(200);
    return timeline
      .json<{ items: Array<{ actor: string; action: string; details: Record<string, unknown> }> }>()
      .items.filter((e) => e.action === "security.refused");
  };
  const expectRefused = (answer: Awaited<ReturnType<typeof call>>, paths: string[]) => {
    expect(answer.status, answer.text).toBe(400);
    expect(answer.type).toContain("application/problem+json");
    const problem = answer.json<Problem>();
    expect(problem.errors?.map((e) => e.path).sort()).toEqual([...paths].sort());
    return problem;
  };

  /** A search warrant for content from officer A, verified by intake: under review, needing two people. */
  async function warrantUnderReview(overrides: Record<string, unknown> = {}): Promise<string> {
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await call(
      "POST",
      "/api/v1/requests",
      officer,
      JSON.parse(requestDocument({ ...WARRANT, ...overrides })),
    );
    expect(submitted.status, submitted.text).toBe(201);
    const id = submitted.json<{ id: string }>().id;
    const moved = await call("POST", `/api/v1/requests/${id}/advance`, intake, {
      to: "under_review",
      note: VERIFIED_NOTE,
    });
    expect(moved.status, moved.text).toBe(200);
    return id;
  }

  beforeAll(async () => {
    desk = await openDesk(driver);
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 3_600_000 });
    reviewer = await desk.signIn(desk.accounts.reviewer);
    counsel = await desk.signIn(desk.accounts.counsel);
    intake = await desk.signIn(desk.accounts.intake);
    auditor = await desk.signIn(desk.accounts.auditor);
  });
  afterAll(async () => {
    await server?.close();
    await desk?.close();
  });

  it("defect 4 (API): a recommendation or approval needs every item answered, notes for what is not met, reasoning for a high risk", async () => {
    const id = await warrantUnderReview();
    const detail = (await call("GET", `/api/v1/requests/${id}`, reviewer)).json<{
      decision: { needsReview: boolean };
    }>();
    expect(detail.decision.needsReview).toBe(true);

    // What the defect saw: a recommendation with nothing ticked and no note. Every item is named.
    const empty = expectRefused(await review(id, reviewer, { verdict: "recommend_approve" }), [
      "checklist.legality",
      "checklist.necessityAndProportionality",
      "checklist.dueProcess",
      "checklist.humanRightsRisk",
    ]);
    expect(empty.errors?.[0]?.message).toMatch(/met/);
    // Unticked boxes sent as false (the old form) are not answers; nor is true.
    expectRefused(
      await review(id, reviewer, {
        verdict: "recommend_approve",
        checklist: { legality: false, necessityAndProportionality: false, dueProcess: true, humanRightsRisk: "low" },
      }),
      ["checklist.legality", "checklist.necessityAndProportionality", "checklist.dueProcess"],
    );
    // An item not met says why.
    const unexplained = expectRefused(
      await review(id, reviewer, {
        verdict: "recommend_approve",
        checklist: { ...CHECKLIST_MET, dueProcess: "not_met" },
      }),
      ["checklist.dueProcessNote"],
    );
    expect(unexplained.errors?.[0]?.message).toMatch(/why it is not met/);
    // A high risk carries reasoning, of some length.
    expectRefused(
      await review(id, reviewer, {
        verdict: "recommend_approve",
        checklist: { ...CHECKLIST_MET, humanRightsRisk: "high", humanRightsRiskNote: "fine" },
      }),
      ["checklist.humanRightsRiskNote"],
    );
    // A body refused before the checklist is looked at (no verdict) is written on the request too.
    expectRefused(await review(id, reviewer, { checklist: CHECKLIST_MET }), ["body.verdict"]);
    // None of it was recorded, none of it counts toward the two approvals, and each refusal is on the request.
    expect(await reviewsOf(id)).toEqual([]);
    const early = await review(id, counsel, { verdict: "approve", checklist: CHECKLIST_MET });
    expect(early.status, early.text).toBe(409);
    const refusals = await refusalsOf(id);
    expect(refusals.map((r) => [r.actor, r.details.attempted])).toEqual([
      [desk.accounts.reviewer.email, "recommend_approve"],
      [desk.accounts.reviewer.email, "recommend_approve"],
      [desk.accounts.reviewer.email, "recommend_approve"],
      [desk.accounts.reviewer.email, "recommend_approve"],
      [desk.accounts.reviewer.email, "review"],
      [desk.accounts.counsel.email, "approve"],
    ]);
    expect(String(refusals[0]?.details.reason)).toContain("checklist.legality");

    // Answered in full, with a note for the item not met and reasoning for the high risk, it is recorded.
    const recommended = await review(id, reviewer, {
      verdict: "recommend_approve",
      checklist: {
        ...CHECKLIST_MET,
        dueProcess: "not_met",
        dueProcessNote: "the user cannot be told before January; the court ordered it",
        humanRightsRisk: "high",
        humanRightsRiskNote: REASONING,
      },
      note: "recommend, on the court's order",
    });
    expect(recommended.status, recommended.text).toBe(200);
    // Counsel answers for the high risk the recommendation found, even answering "low": reasoning is owed.
    const lowered = expectRefused(await review(id, counsel, { verdict: "approve", checklist: CHECKLIST_MET }), [
      "checklist.humanRightsRiskNote",
    ]);
    expect(lowered.errors?.[0]?.message).toMatch(/counsel's reasoned note/);
    expectRefused(await review(id, counsel, { verdict: "approve", checklist: { ...CHECKLIST_MET, legality: "yes" } }), [
      "checklist.legality",
    ]);
    expect(await reviewsOf(id)).toEqual([{ reviewer: desk.accounts.reviewer.email, verdict: "recommend_approve" }]);
    const approved = await review(id, counsel, {
      verdict: "approve",
      checklist: { ...CHECKLIST_MET, humanRightsRisk: "high", humanRightsRiskNote: REASONING },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json()).toMatchObject({ status: "approved" });
    expect((await refusalsOf(id)).length).toBe(8);

    // A rejection owes no checklist: refusing to disclose needs no certificate.
    const other = await warrantUnderReview();
    const rejected = await review(other, counsel, { verdict: "reject", note: "no docket number" });
    expect(rejected.status, rejected.text).toBe(200);
  });

  it("defect 4 (page): nothing pre-selected; a refused review comes back naming each field, values kept, audited", async () => {
    const id = await warrantUnderReview();
    const session = await desk.signInPage(desk.accounts.reviewer);
    const shown = await page(`/desk/requests/${id}`, session);
    expect(shown.status).toBe(200);
    const form = shown.text.slice(shown.text.indexOf('id="review"'));
    expect(form).toContain('name="humanRightsRisk"');
    expect(form).not.toMatch(
      /<input[^>]*name="(legality|necessityAndProportionality|dueProcess|humanRightsRisk|verdict)"[^>]*checked/,
    );

    const refused = await page(`/desk/requests/${id}/review`, session, {
      verdict: "recommend_approve",
      legality: "met",
      dueProcess: "not_met",
      humanRightsRisk: "high",
      note: "Looks proportionate to me.",
    });
    expect(refused.status).toBe(400);
    const summary = refused.text.slice(refused.text.indexOf('class="error-summary"'));
    expect(summary).toContain('href="#f-review-necessityAndProportionality"');
    expect(summary).toContain('href="#f-review-dueProcessNote"');
    expect(summary).toContain('href="#f-review-humanRightsRiskNote"');
    // Each in a sentence for the reviewer (issue 18, item 3), the page's title saying so.
    expect(refused.text).toMatch(/id="f-review-dueProcessNote-error"[^>]*>Say why due process is not met</);
    expect(refused.text).toContain(
      "The human-rights risk is high: give a reasoned note on why disclosure is still justified, in at least 20 characters",
    );
    expect(refused.text).toContain("<title>Error: ");
    // What was sent is kept: the answers given and the note.
    expect(refused.text).toMatch(/<input[^>]*id="f-review-legality"[^>]*checked/);
    expect(refused.text).toMatch(/<input[^>]*value="not_met"[^>]*checked|<input[^>]*checked[^>]*value="not_met"/);
    expect(refused.text).toContain("Looks proportionate to me.");
    expect(refused.text).toMatch(
      /<input[^>]*id="f-verdict-recommend_approve"[^>]*checked|id="f-review-verdict"[^>]*checked/,
    );
    expect(await reviewsOf(id)).toEqual([]);
    expect((await refusalsOf(id)).map((r) => r.details.attempted)).toEqual(["recommend_approve"]);

    // No verdict chosen: said beside the verdict, written on the request, the answers kept.
    const noVerdict = await page(`/desk/requests/${id}/review`, session, { legality: "met", note: "undecided" });
    expect(noVerdict.status).toBe(400);
    expect(noVerdict.text).toContain('href="#f-review-verdict"');
    expect(noVerdict.text).toMatch(/id="f-review-verdict-error"[^>]*>Choose your verdict</);
    expect(noVerdict.text).toMatch(/<input[^>]*id="f-review-legality"[^>]*checked/);
    expect((await refusalsOf(id)).map((r) => r.details.attempted)).toEqual(["recommend_approve", "review"]);

    const recorded = await page(`/desk/requests/${id}/review`, session, {
      verdict: "recommend_approve",
      legality: "met",
      necessityAndProportionality: "met",
      dueProcess: "not_met",
      dueProcessNote: "the court ordered non-disclosure until January",
      humanRightsRisk: "low",
      humanRightsRiskNote: "",
    });
    expect(recorded.status, recorded.text).toBe(303);
    expect(recorded.location).toBe(`/desk/requests/${id}?notice=reviewed`);
    expect(await reviewsOf(id)).toEqual([{ reviewer: desk.accounts.reviewer.email, verdict: "recommend_approve" }]);
  });

  it("defect 5: the API and the desk page show the request as filed, with intake's notes", async () => {
    const id = await warrantUnderReview();
    const detail = await call("GET", `/api/v1/requests/${id}`, reviewer);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.json()).toMatchObject({
      issuedBy: WARRANT.issuedBy,
      findings: ["terrorism_suspect"],
      dateRange: { from: "2020-06-01", to: "2020-07-01" },
      nonDisclosureUntil: "2021-01-01",
      submittedBy: desk.accounts.officerA.email,
      verificationNotes: [{ to: "under_review", note: VERIFIED_NOTE, by: desk.accounts.intake.email }],
    });
    // The officer's own view stays what it was: the desk's notes are not theirs.
    const officer = await desk.signIn(desk.accounts.officerA);
    const own = (await call("GET", `/api/v1/requests/${id}`, officer)).json();
    expect(own.view).toBe("officer");
    expect(own).not.toHaveProperty("verificationNotes");

    const session = await desk.signInPage(desk.accounts.reviewer);
    const shown = await page(`/desk/requests/${id}`, session);
    expect(shown.status).toBe(200);
    const filed = shown.text.slice(
      shown.text.indexOf('id="filed-h"'),
      shown.text.indexOf("</dl>", shown.text.indexOf('id="filed-h"')),
    );
    const fact = (label: string) => {
      const at = filed.indexOf(`<dt>${label}</dt>`);
      expect(at, label).toBeGreaterThan(-1);
      return filed.slice(at, filed.indexOf("</dd>", at));
    };
    expect(fact("Issuing court or authority")).toContain(WARRANT.issuedBy);
    expect(fact("Legal process")).toContain("Search warrant");
    expect(fact("Period")).toMatch(/2020-06-01.*2020-07-01/s);
    expect(fact("Accounts")).toContain("suspect.one");
    expect(fact("Data requested")).toContain(`<ul class="plain"><li>Name</li><li>Posts</li></ul>`);
    expect(fact("Findings")).toContain("terrorism suspect");
    expect(fact("Non-disclosure order")).toContain("2021-01-01");
    expect(fact("Submitted by")).toContain(desk.accounts.officerA.email);
    expect(fact("Intake's verification notes")).toContain("docket 20-mj-7101 exists");
    // Beside the checklist, on the same page.
    expect(shown.text.indexOf('id="filed-h"')).toBeLessThan(shown.text.indexOf("Standards checklist"));

    // What a request leaves out is said to be absent, not left blank.
    const bare = await warrantUnderReview({ issuedBy: null, findings: [], dateRange: null, nonDisclosure: null });
    const bareDetail = (await call("GET", `/api/v1/requests/${bare}`, reviewer)).json();
    expect(bareDetail).toMatchObject({ issuedBy: null, findings: [], dateRange: null, nonDisclosureUntil: null });
    const barePage = await page(`/desk/requests/${bare}`, session);
    expect(barePage.text).toContain("no period stated");
    expect(barePage.text).toMatch(/<dt>Non-disclosure order<\/dt>\s*<dd>none<\/dd>/);
    expect(barePage.text).toContain("we tell the user once nothing bars it");
  });

  it("the human-rights flag the reviewer sees is the deciding policy's, not a lookup in the policy in force now", async () => {
    const flagged = (text: string) => text.includes("on the policy's human-rights review list");
    const before = await warrantUnderReview();
    const listingUs = EXAMPLE_POLICY.replace(/^version: .*$/m, 'version: "2020-07-06-us-listed"').replace(
      /^humanRightsReview: \[/m,
      "humanRightsReview: [US, ",
    );
    expect(listingUs).toContain("humanRightsReview: [US, RU");
    await desk.db.transaction().execute((tx) => activatePolicy(tx, listingUs, TEST_OPERATOR, new Date()));
    try {
      const after = await warrantUnderReview();
      const session = await desk.signInPage(desk.accounts.reviewer);
      // Decided before the change: the policy that decided it did not list the US, whatever the one in force says.
      const old = (await call("GET", `/api/v1/requests/${before}`, reviewer)).json<{
        decision: { humanRightsReview: boolean };
      }>();
      expect(old.decision.humanRightsReview).toBe(false);
      expect(flagged((await page(`/desk/requests/${before}`, session)).text)).toBe(false);
      const fresh = (await call("GET", `/api/v1/requests/${after}`, reviewer)).json<{
        decision: { humanRightsReview: boolean; reviewReasons: string[] };
      }>();
      expect(fresh.decision.humanRightsReview).toBe(true);
      expect(fresh.decision.reviewReasons).toContain(
        "disclosure in US needs counsel sign-off on the human-rights standards checklist",
      );
      const shown = (await page(`/desk/requests/${after}`, session)).text;
      expect(flagged(shown)).toBe(true);
      expect(shown).toContain("(US is on the policy's review list)");
    } finally {
      await desk.db.transaction().execute((tx) => activatePolicy(tx, EXAMPLE_POLICY, TEST_OPERATOR, new Date()));
    }
  });
});
