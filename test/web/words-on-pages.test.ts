import { renderToString } from "preact-render-to-string";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailsInWords, reasonInWords } from "../../src/web/in-words.js";
import { DRIVERS } from "../support/db.js";
import { CHECKLIST_MET, requestDocument } from "../support/fixtures.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Category labels, not codes, where a person reads them (issue 18, item 6): the desk's decision table and
 * its reasons, the request as filed, the officer's page and the request's audit timeline, whose entries
 * name the agency and the request by what a person knows them as instead of by id.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const section = (body: string, id: string) => {
  const start = body.indexOf(`aria-labelledby="${id}"`);
  return body.slice(start, body.indexOf("</section>", start));
};

describe("decision reasons and audit details in words", () => {
  it("puts the labels of categories and processes in a reason, leaving rule ids, policy paths and findings", () => {
    expect(
      reasonInWords("content.messages is end-to-end encrypted: held only as ciphertext, it cannot be produced"),
    ).toBe("“Messages” is end-to-end encrypted: held only as ciphertext, it cannot be produced");
    expect(reasonInWords("court_order unlocks subscriber records (stronger than subpoena)")).toBe(
      "court order unlocks subscriber records (stronger than subpoena)",
    );
    expect(
      reasonInWords(
        "rule terror-court-order grants subscriber.ip_address on court_order with finding terrorism_suspect",
      ),
    ).toBe(
      "rule terror-court-order grants “Registration and recent login IP address” on court order with finding terrorism_suspect",
    );
    expect(reasonInWords("see dataMap.content.messages.e2ee; mlat")).toBe("see dataMap.content.messages.e2ee; MLAT");
  });

  it("names this request, another request by its reference (a link) and an agency by name; unnamed ids go", () => {
    const self = "11111111-1111-4111-8111-111111111111";
    const other = "22222222-2222-4222-8222-222222222222";
    const agency = "33333333-3333-4333-8333-333333333333";
    const names = {
      requests: new Map([[other, "FBI-NY-2026-0042"]]),
      agencies: new Map([[agency, "Federal Bureau of Investigation"]]),
      self,
    };
    const html = renderToString(
      DetailsInWords({
        details: {
          reason: `request ${self} is received; only a request under review can be reviewed`,
          deliveredFor: other,
          agencyId: agency,
          decisionId: "44444444-4444-4444-8444-444444444444",
          categories: ["subscriber.name", "content.media"],
          checklist: { legality: true, dueProcess: false },
        },
        names,
        hideUnnamed: true,
      }),
    );
    expect(html).toContain("this request is received; only a request under review can be reviewed");
    expect(html).toContain(`<a href="/desk/requests/${other}">FBI-NY-2026-0042</a>`);
    expect(html).toContain("<dt>agency</dt><dd>Federal Bureau of Investigation</dd>");
    expect(html).toContain("Name, Photos, videos and files");
    expect(html).toContain("legality: yes; due Process: no");
    expect(html).not.toContain("decision");
    expect(html.replace(`/desk/requests/${other}`, "")).not.toMatch(UUID);
  });
});

describe.each(DRIVERS)("labels, not codes, on the pages on %s", (driver) => {
  let desk: Desk;
  let requestId: string;

  beforeAll(async () => {
    desk = await openDesk(driver);
    const officer = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        reference: "FBI-WORDS-0001",
        process: "court_order",
        categories: ["subscriber.phone", "records.ip_logs", "content.messages"],
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    requestId = (submitted.json() as { id: string }).id;
    // A review of a request not yet verified is refused, and the refusal is written on its timeline.
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const refused = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${requestId}/reviews`,
      headers: { ...reviewer.headers, "content-type": "application/json" },
      payload: { verdict: "recommend_approve", checklist: CHECKLIST_MET },
    });
    expect(refused.statusCode, refused.body).toBe(409);
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("the desk's request page reads in labels: the decision, the request as filed, the timeline", async () => {
    const reviewer = await desk.signInPage(desk.accounts.reviewer);
    const page = await desk.app.inject({
      method: "GET",
      url: `/desk/requests/${requestId}`,
      headers: { cookie: reviewer.cookie },
    });
    expect(page.statusCode).toBe(200);
    const decision = section(page.body, "decision-h");
    expect(decision).toContain("<td>Messages</td>");
    expect(decision).toContain("“Messages” is end-to-end encrypted");
    expect(decision).toContain("court order unlocks subscriber records");
    // The policy column keeps the policy's own path (dataMap.content.messages.e2ee), which is what the policy says.
    expect(decision.replace(/<code>[^<]*<\/code>/g, "")).not.toMatch(/content\.messages|subscriber\.phone|court_order/);
    expect(section(page.body, "filed-h")).not.toMatch(/content\.messages|subscriber\.phone|records\.ip_logs/);

    const timeline = section(page.body, "timeline-h");
    expect(timeline).toContain("Request received");
    expect(timeline).toContain("Phone number, IP address logs, Messages");
    expect(timeline).toContain("this request is received; only a request under review can be reviewed");
    expect(timeline).toMatch(/<dt>agency<\/dt><dd>[^<]+<\/dd>/);
    expect(timeline).not.toMatch(UUID);
  });

  it("the officer's page lists the data asked for by label", async () => {
    const officer = await desk.signInPage(desk.accounts.officerA);
    const page = await desk.app.inject({
      method: "GET",
      url: `/portal/requests/${requestId}`,
      headers: { cookie: officer.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<li>Phone number</li>");
    expect(page.body).toContain("<li>Messages</li>");
    expect(page.body).not.toMatch(/content\.messages|subscriber\.phone|records\.ip_logs/);
  });
});
