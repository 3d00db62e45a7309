import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotpCode } from "../../src/auth/credentials.js";
import { listOutbox } from "../../src/mail/outbox.js";
import { DRIVERS } from "../support/db.js";
import { EXAMPLE_POLICY, TEST_OPERATOR } from "../support/fixtures.js";
import { type Account, type Desk, openDesk, PASSWORD } from "../support/http.js";

/**
 * The pages through the real app and database (inject): page sign-in, the request form's errors beside
 * their fields, CSRF on form posts, the queue's filters and the policy preview. The browser suite
 * (browser.test.ts) walks the same pages in Chromium.
 */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function multipart(fields: Array<[string, string]>, files: Array<[string, string, string]> = []) {
  const boundary = "----custodianpage";
  const parts = [
    ...fields.map(
      ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    ...files.map(
      ([name, filename, content]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n${content}\r\n`,
    ),
    `--${boundary}--\r\n`,
  ];
  return { payload: parts.join(""), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(DRIVERS)("web pages on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("signs in with password and code and sends each role to its start page", async () => {
    const page = await desk.app.inject({ method: "GET", url: "/signin" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('<label for="f-code">');
    const wrong = await desk.app.inject({
      method: "POST",
      url: "/signin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form({ email: desk.accounts.reviewer.email, password: PASSWORD, code: "000000" }),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain("second-factor code is wrong");
    for (const [account, home] of [
      [desk.accounts.officerA, "/portal"],
      [desk.accounts.reviewer, "/desk"],
      [desk.accounts.admin, "/admin/jurisdictions"],
    ] as const) {
      desk.clock.advance(31_000);
      const response = await desk.app.inject({
        method: "POST",
        url: "/signin",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: form({
          email: account.email,
          password: PASSWORD,
          code: currentTotpCode(account.totpSecret, desk.clock.now()),
        }),
      });
      expect(response.headers.location).toBe(home);
    }
    const anonymous = await desk.app.inject({ method: "GET", url: "/desk" });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/signin?next=%2Fdesk");
  });

  it("shows each problem of a submitted request beside the field it concerns, and keeps what was typed", async () => {
    const officer = await desk.signInPage(desk.accounts.officerA);
    const newForm = await desk.app.inject({
      method: "GET",
      url: "/portal/requests/new",
      headers: { cookie: officer.cookie },
    });
    expect(newForm.statusCode).toBe(200);
    expect(newForm.body).toContain("opened by a subpoena");
    expect(newForm.body).toContain("Held only end-to-end encrypted");
    const body = multipart([
      ["_csrf", officer.csrf],
      ["reference", "FBI-PAGE-1"],
      ["jurisdiction", "US"],
      ["process", "subpoena"],
      ["targets.0.type", "phone"],
      ["targets.0.value", ""],
      ["targets.1.type", "phone"],
      ["targets.1.value", "12345"],
      ["categories", "subscriber.name"],
      ["dateRange.from", "2020-07-31"],
      ["dateRange.to", "2020-07-01"],
    ]);
    const response = await desk.app.inject({
      method: "POST",
      url: "/portal/requests",
      headers: { cookie: officer.cookie, "content-type": body.contentType },
      payload: body.payload,
    });
    expect(response.statusCode).toBe(400);
    // The bad phone is in the second row on the page, and its message is right beside it.
    expect(response.body).toMatch(
      /id="f-targets-1-value-error">Target 2: must be an E.164 phone number[^<]*<\/(?:p|div)><input[^>]*name="targets.1.value"[^>]*value="12345"/,
    );
    expect(response.body).toMatch(/id="f-dateRange-to-error">The end date must be after the start date/);
    // Every problem at once, in sentences: the subpoena's missing document too; the title says so.
    expect(response.body).toMatch(/id="f-documents-error">Attach the signed legal process/);
    expect(response.body).toContain("<title>Error: New request");
    expect(response.body).toContain('href="#f-targets-1-value"');
  });

  it("answers a refused admin form with the same page, the problem beside its field and the input kept", async () => {
    const admin = await desk.signInPage(desk.accounts.admin);
    const post = (url: string, fields: Record<string, string>) =>
      desk.app.inject({
        method: "POST",
        url,
        headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: form({ _csrf: admin.csrf, ...fields }),
      });
    const changesBefore = await desk.db.selectFrom("agency_change").select("id").execute();

    // Bad input, refused by the route's schema.
    const badCode = await post("/admin/agencies", { name: "Metropolitan Police", jurisdiction: "GB!" });
    expect(badCode.statusCode).toBe(400);
    expect(badCode.headers["content-type"]).toMatch(/^text\/html/);
    expect(badCode.body).toMatch(/<div class="field-error" id="f-agency-jurisdiction-error">[^<]+<\/div>/);
    expect(badCode.body).toContain('value="Metropolitan Police"');
    expect(badCode.body).toContain('href="#f-agency-jurisdiction"');
    expect(badCode.body).toContain("<h1>Agencies</h1>");

    // A change the domain refuses: a domain imitating another agency's.
    const lookalike = await post("/admin/agencies/changes", {
      agencyId: desk.agencies.b,
      kind: "add_domain",
      value: "fbi-gov.com",
    });
    expect(lookalike.statusCode).toBe(400);
    expect(lookalike.body).toMatch(/id="f-change-value-error">[^<]*looks like fbi\.gov/);
    expect(lookalike.body).toContain('value="fbi-gov.com"');
    expect(lookalike.body).toMatch(new RegExp(`<option value="${desk.agencies.b}" selected>`));

    // An empty reason is refused beside its field, on the pause's confirmation page.
    const pauseBad = await post("/admin/jurisdictions/US/pause", { reason: "" });
    expect(pauseBad.statusCode).toBe(400);
    expect(pauseBad.body).toContain('id="f-pause-reason-error"');
    expect(pauseBad.body).toContain("<h1>Pause United States (US)</h1>");

    const user = await post("/admin/users", { email: "not-an-address", displayName: "New Reviewer", role: "reviewer" });
    expect(user.statusCode).toBe(400);
    expect(user.body).toContain('id="f-user-email-error"');
    expect(user.body).toMatch(/<option value="reviewer" selected>/);

    // Nothing was half-applied.
    expect(await desk.db.selectFrom("agency_change").select("id").execute()).toHaveLength(changesBefore.length);
    expect(
      await desk.db.selectFrom("agency").select("id").where("name", "=", "Metropolitan Police").execute(),
    ).toHaveLength(0);
  });

  it("a staff account proposed and approved on the users page is set up by its owner through the mailed link", async () => {
    const pageOf = async (account: Account) => {
      const session = await desk.signInPage(account);
      return (url: string, fields: Record<string, string>) =>
        desk.app.inject({
          method: "POST",
          url,
          headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
          payload: form({ _csrf: session.csrf, ...fields }),
        });
    };
    const first = await pageOf(desk.accounts.admin);
    const email = "page.reviewer@provider.example";
    const proposed = await first("/admin/users", { email, displayName: "Page Reviewer", role: "reviewer" });
    expect(proposed.statusCode, proposed.body).toBe(303);
    expect(proposed.headers.location).toBe("/admin/users?notice=staff-proposed");
    const [change] = await desk.db.selectFrom("staff_change").select("id").where("email", "=", email).execute();
    const second = await pageOf(desk.admin2);
    const approved = await second(`/admin/user-changes/${change?.id}/decide`, { decision: "approve" });
    expect(approved.headers.location).toBe("/admin/users?notice=staff-applied");
    const [mail] = await listOutbox(desk.db, TEST_OPERATOR, { recipient: email, purpose: "staff.setup" });
    const link = mail?.body.match(/http:\/\/127\.0\.0\.1:4000(\/setup\/[\w-]+)/)?.[1] as string;
    expect(link).toBeTruthy();

    const opened = await desk.app.inject({ method: "GET", url: link });
    expect(opened.statusCode).toBe(200);
    expect(opened.headers["cache-control"]).toBe("no-store");
    expect(opened.headers["referrer-policy"]).toBe("no-referrer");
    expect(opened.body).toContain("<h1>Set up your account</h1>");
    const secret = opened.body.match(/id="totp-secret">([A-Z2-7]{32})</)?.[1] as string;
    expect(secret).toBeTruthy();
    // Opening it again shows the same secret: a reload does not leave an enrolled authenticator behind.
    expect((await desk.app.inject({ method: "GET", url: link })).body).toContain(secret);

    const submit = (fields: Record<string, string>) =>
      desk.app.inject({
        method: "POST",
        url: link,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: form(fields),
      });
    desk.clock.advance(31_000);
    const code = currentTotpCode(secret, desk.clock.now());
    const mismatch = await submit({ password: PASSWORD, passwordAgain: `${PASSWORD}!`, code });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('id="f-setup-passwordAgain-error"');
    const wrongCode = await submit({ password: PASSWORD, passwordAgain: PASSWORD, code: "000000" });
    expect(wrongCode.statusCode).toBe(400);
    expect(wrongCode.body).toContain('id="f-setup-code-error"');
    const done = await submit({ password: PASSWORD, passwordAgain: PASSWORD, code });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.body).toContain("Your account is set up");
    const again = await submit({ password: PASSWORD, passwordAgain: PASSWORD, code });
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain("unknown, used, replaced or expired");

    const user = await desk.db
      .selectFrom("app_user")
      .select(["id", "status"])
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(user.status).toBe("active");
    const signedIn = await desk.signInPage({
      userId: user.id,
      email,
      role: "reviewer",
      agencyId: null,
      totpSecret: secret,
    });
    expect(signedIn.csrf).toBeTruthy();
    // The users page never showed a secret, to either admin.
    for (const body of [proposed.body, approved.body]) expect(body).not.toContain(secret);
  });

  it("refuses a form post without the page's CSRF token, and accepts it with it", async () => {
    const officer = await desk.signInPage(desk.accounts.officerA);
    const fields: Array<[string, string]> = [
      ["reference", "FBI-PAGE-2"],
      ["jurisdiction", "US"],
      ["process", "subpoena"],
      ["targets.0.type", "username"],
      ["targets.0.value", "quietfox"],
      ["categories", "subscriber.name"],
    ];
    const forged = multipart(fields);
    const refused = await desk.app.inject({
      method: "POST",
      url: "/portal/requests",
      headers: { cookie: officer.cookie, "content-type": forged.contentType },
      payload: forged.payload,
    });
    expect(refused.statusCode).toBe(403);
    const signOut = await desk.app.inject({
      method: "POST",
      url: "/signout",
      headers: { cookie: officer.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: "not-the-token" }),
    });
    expect(signOut.statusCode).toBe(403);
    const good = multipart([["_csrf", officer.csrf], ...fields], [["documents", "subpoena.pdf", "%PDF-1.4 page"]]);
    const accepted = await desk.app.inject({
      method: "POST",
      url: "/portal/requests",
      headers: { cookie: officer.cookie, "content-type": good.contentType },
      payload: good.payload,
    });
    expect(accepted.statusCode, accepted.body).toBe(303);
    const location = accepted.headers.location as string;
    expect(location).toMatch(/^\/portal\/requests\/[0-9a-f-]{36}\?notice=submitted$/);
    const shown = await desk.app.inject({ method: "GET", url: location, headers: { cookie: officer.cookie } });
    expect(shown.body).toContain("FBI-PAGE-2");
    expect(shown.body).toContain("subpoena.pdf");
  });

  it("filters the queue and previews a policy's effect on open requests before activating it", async () => {
    const reviewer = await desk.signInPage(desk.accounts.reviewer);
    const queue = await desk.app.inject({
      method: "GET",
      url: "/desk?status=open&jurisdiction=US&process=subpoena&sort=received",
      headers: { cookie: reviewer.cookie },
    });
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain("FBI-PAGE-2");
    const none = await desk.app.inject({
      method: "GET",
      url: "/desk?jurisdiction=GB",
      headers: { cookie: reviewer.cookie },
    });
    expect(none.body).toContain("Nothing matches these filters.");

    const admin = await desk.signInPage(desk.accounts.admin);
    const stricter = EXAMPLE_POLICY.replace('version: "2020-07-06"', 'version: "2020-09-01"').replace(
      "subscriber: [subpoena, court_order, search_warrant, mlat]",
      "subscriber: [court_order, search_warrant, mlat]",
    );
    const bad = multipart([
      ["_csrf", admin.csrf],
      ["document", "policy: 1\nname: X\nversion: '1'\n"],
    ]);
    const invalid = await desk.app.inject({
      method: "POST",
      url: "/admin/policy/preview",
      headers: { cookie: admin.cookie, "content-type": bad.contentType },
      payload: bad.payload,
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toContain("There is a problem");
    // A problem is named by its line in the text as uploaded, then its field (issue 18, item 4).
    const typo = multipart([
      ["_csrf", admin.csrf],
      ["document", EXAMPLE_POLICY.replace("retentionDays: 90,", 'retentionDays: "ninety",')],
    ]);
    const atLine = await desk.app.inject({
      method: "POST",
      url: "/admin/policy/preview",
      headers: { cookie: admin.cookie, "content-type": typo.contentType },
      payload: typo.payload,
    });
    expect(atLine.statusCode).toBe(400);
    const line = EXAMPLE_POLICY.split("\n").findIndex((l) => l.includes("retentionDays: 90,")) + 1;
    expect(atLine.body).toMatch(
      new RegExp(`Line ${line}, dataMap\\[(&quot;|")records\\.ip_logs(&quot;|")\\]\\.retentionDays: `),
    );
    const upload = multipart([["_csrf", admin.csrf]], [["file", "stricter.yaml", stricter]]);
    const preview = await desk.app.inject({
      method: "POST",
      url: "/admin/policy/preview",
      headers: { cookie: admin.cookie, "content-type": upload.contentType },
      payload: upload.payload,
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toMatch(/<strong>1<\/strong> would be decided differently/);
    expect(preview.body).toContain("FBI-PAGE-2");
    expect(preview.body).toContain("comply_full");
    // The edit itself, against the policy in force, before its effects (issue 18, item 4).
    expect(preview.body).toContain("What the upload changes in the policy in force");
    expect(preview.body).toMatch(/class="diff-removed">− +\d+ +version: (&quot;|")2020-07-06/);
    expect(preview.body).toMatch(/class="diff-added">\+ +\d+ +version: (&quot;|")2020-09-01/);
    const sha = /name="sha256" value="([0-9a-f]{64})"/.exec(preview.body)?.[1] as string;
    const activated = await desk.app.inject({
      method: "POST",
      url: "/admin/policy/activate",
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: form({ _csrf: admin.csrf, sha256: sha, document: stricter.replace(/\n/g, "\r\n") }),
    });
    expect(activated.statusCode, activated.body).toBe(303);
    const active = await desk.db
      .selectFrom("policy_version")
      .select("version")
      .where("active", "=", true)
      .executeTakeFirstOrThrow();
    expect(active.version).toBe("2020-09-01");
  });
});
