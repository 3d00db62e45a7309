import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../src/auth/sessions.service.js";
import { DRIVERS } from "../support/db.js";
import { requestDocument } from "../support/fixtures.js";
import { type Desk, openDesk, type PageSession, principalOf } from "../support/http.js";

/**
 * Every destructive action on the pages goes through a page that names its effect before anything
 * changes (issue 18, item 4), as pausing a jurisdiction does: suspending an account (its sessions, its API
 * tokens, the requests it submitted that are held) and an officer's withdrawal of a request. An action
 * that cannot apply is not offered: an account already suspended, one's own account, a request past
 * withdrawing.
 */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const effect = (body: string) => /<p class="effect">([\s\S]*?)<\/p>/.exec(body)?.[1]?.replace(/<[^>]+>/g, "") ?? "";

describe.each(DRIVERS)("confirmations of destructive actions on %s", (driver) => {
  let desk: Desk;
  let admin: PageSession;

  beforeAll(async () => {
    desk = await openDesk(driver);
    admin = await desk.signInPage(desk.accounts.admin);
  });
  afterAll(async () => {
    await desk?.close();
  });

  const get = (url: string, session: PageSession) =>
    desk.app.inject({ method: "GET", url, headers: { cookie: session.cookie } });
  const post = (url: string, session: PageSession, fields: Record<string, string>) =>
    desk.app.inject({
      method: "POST",
      url,
      headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: session.csrf, ...fields }),
    });

  it("an officer's withdrawal: a page names what it stops, then the withdrawal; a finished request offers none", async () => {
    const api = await desk.signIn(desk.accounts.officerA);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...api.headers, "content-type": "application/json" },
      payload: requestDocument({ reference: "WITHDRAW-0001" }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const id = (submitted.json() as { id: string }).id;
    const officer = await desk.signInPage(desk.accounts.officerA);

    const requestPage = await get(`/portal/requests/${id}`, officer);
    expect(requestPage.body).toContain(`<a href="/portal/requests/${id}/withdraw">Withdraw this request…</a>`);
    expect(requestPage.body).not.toContain(`action="/portal/requests/${id}/withdraw"`);

    const page = await get(`/portal/requests/${id}/withdraw`, officer);
    expect(page.statusCode).toBe(200);
    expect(effect(page.body)).toBe(
      "Withdraw WITHDRAW-0001: we stop all work on it and disclose nothing. A withdrawal cannot be undone: to ask again, submit a new request.",
    );
    const empty = await post(`/portal/requests/${id}/withdraw`, officer, { reason: "" });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("<title>Error: Withdraw WITHDRAW-0001 · Custodian</title>");
    const done = await post(`/portal/requests/${id}/withdraw`, officer, { reason: "Case closed." });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/portal/requests/${id}?notice=withdrawn`);

    expect((await get(`/portal/requests/${id}`, officer)).body).not.toContain(`/portal/requests/${id}/withdraw`);
    const again = await get(`/portal/requests/${id}/withdraw`, officer);
    expect(again.body).toContain("This request can no longer be withdrawn: it is withdrawn.");
    expect(again.body).not.toContain(`action="/portal/requests/${id}/withdraw"`);
    // Another agency's officer finds nothing there.
    const other = await desk.signInPage(desk.accounts.officerB);
    expect((await get(`/portal/requests/${id}/withdraw`, other)).statusCode).toBe(404);
  });

  it("suspending an account: a page names what it ends and holds, then the suspension; never offered twice", async () => {
    const officer = desk.accounts.officerB;
    // Officer B has an open request, an API token and a session.
    const api = await desk.signIn(officer);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...api.headers, "content-type": "application/json" },
      payload: requestDocument({ reference: "SUSPEND-0001", jurisdiction: "GB" }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    await createApiToken(
      desk.db,
      principalOf(officer),
      { name: "case system", scopes: ["requests:read"], expiresInDays: 30 },
      desk.clock.now(),
    );

    const users = await get("/admin/users", admin);
    expect(users.body).toContain(`href="/admin/users/${officer.userId}/suspend"`);
    expect(users.body).not.toContain(`action="/admin/users/${officer.userId}/suspend"`);
    // No way to suspend oneself is offered.
    expect(users.body).not.toContain(`href="/admin/users/${desk.accounts.admin.userId}/suspend"`);

    const page = await get(`/admin/users/${officer.userId}/suspend`, admin);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<h1>Suspend ${officer.email}</h1>`);
    expect(effect(page.body)).toMatch(
      new RegExp(
        `^Suspend ${officer.email.replace(".", "\\.")}: they cannot sign in from now on; [1-9]\\d* sessions? signed in now (is|are) ended and 1 API token stops working; 1 request they submitted that is not finished is held for staff review`,
      ),
    );

    // Without a reason: the same page, the problem beside the field, nothing suspended.
    const empty = await post(`/admin/users/${officer.userId}/suspend`, admin, { reason: " " });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain(`<title>Error: Suspend ${officer.email} · Custodian</title>`);
    expect(empty.body).toContain('aria-invalid="true"');
    const before = await desk.db
      .selectFrom("app_user")
      .select("status")
      .where("id", "=", officer.userId)
      .executeTakeFirstOrThrow();
    expect(before.status).toBe("active");

    const done = await post(`/admin/users/${officer.userId}/suspend`, admin, { reason: "Forged requests reported." });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/admin/users?notice=suspended");
    const holds = await desk.db
      .selectFrom("request_hold")
      .select("request_id")
      .where("account_id", "=", officer.userId)
      .execute();
    expect(holds).toHaveLength(1);

    // Suspended now: not offered again, and its page says so with no button.
    expect((await get("/admin/users", admin)).body).not.toContain(`href="/admin/users/${officer.userId}/suspend"`);
    const again = await get(`/admin/users/${officer.userId}/suspend`, admin);
    expect(again.body).toContain(`${officer.email} is already suspended.`);
    expect(again.body).not.toContain(`action="/admin/users/${officer.userId}/suspend"`);
    const own = await get(`/admin/users/${desk.accounts.admin.userId}/suspend`, admin);
    expect(own.body).toContain("An admin cannot suspend their own account: another admin must.");
    expect(own.body).not.toContain('class="danger"');
  });

  it("removing an agency's domain: the second admin confirms on a page that counts the officers it concerns", async () => {
    const proposed = await post("/admin/agencies/changes", admin, {
      agencyId: desk.agencies.a,
      kind: "remove_domain",
      value: "fbi.gov",
    });
    expect(proposed.statusCode, proposed.body).toBe(303);
    const change = await desk.db
      .selectFrom("agency_change")
      .select("id")
      .where("status", "=", "pending")
      .where("value", "=", "fbi.gov")
      .executeTakeFirstOrThrow();
    const second = await desk.signInPage(desk.admin2);
    const list = await get("/admin/agencies", second);
    expect(list.body).toContain(`href="/admin/agency-changes/${change.id}/approve"`);
    const page = await get(`/admin/agency-changes/${change.id}/approve`, second);
    expect(page.statusCode).toBe(200);
    expect(effect(page.body)).toMatch(
      /^Remove fbi\.gov from [^:]+: no one can register as an officer of .+ with an address at fbi\.gov from now on\. The 1 officer already registered with such an address keep their accounts; suspend them on the Users page if they should not\.$/,
    );
    // The proposer is not offered the change they proposed.
    const own = await get(`/admin/agency-changes/${change.id}/approve`, admin);
    expect(own.body).toContain("You proposed this change, so a second admin must apply it.");
    expect(own.body).not.toContain(`action="/admin/agency-changes/${change.id}/decide"`);

    const applied = await post(`/admin/agency-changes/${change.id}/decide`, second, { decision: "approve" });
    expect(applied.statusCode).toBe(303);
    const domains = await desk.db
      .selectFrom("agency_domain")
      .select("domain")
      .where("agency_id", "=", desk.agencies.a)
      .execute();
    expect(domains.map((d) => d.domain)).not.toContain("fbi.gov");
    expect((await get(`/admin/agency-changes/${change.id}/approve`, second)).statusCode).toBe(404);
  });
});
