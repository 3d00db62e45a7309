/**
 * User notice per regime (docs/policy.md#user-notice), on each driver: who tells the person whose data
 * were asked for is the policy's rule for the request's regime, shown on the desk with its source.
 */

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
