import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS } from "../support/db.js";
import { deliveredProduction, tarFiles } from "../support/fulfilment.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * The portal's production pages through the real app (inject): the request page's production section,
 * the page the "production ready" mail links to, and the one-time download as a form post with the
 * session's CSRF token. The browser suite downloads it in Chromium.
 */

const MASTER_KEY = Buffer.alloc(32, 11).toString("base64");
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe.each(DRIVERS)("the portal's production pages on %s", (driver) => {
  let desk: Desk;
  let requestId: string;
  let productionId: string;

  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    ({ requestId, productionId } = await deliveredProduction(desk));
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("the mail's link carries no secret and leads the officer to the request's production section", async () => {
    const mail = await desk.db
      .selectFrom("mail_outbox")
      .select("body")
      .where("purpose", "=", "production.ready")
      .executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/portal\/productions\/\S+/.exec(mail.body)?.[0] as string;
    expect(new URL(link).pathname).toBe(`/portal/productions/${productionId}`);
    expect(new URL(link).search).toBe("");

    const anonymous = await desk.app.inject({ method: "GET", url: `/portal/productions/${productionId}` });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe(
      `/signin?next=${encodeURIComponent(`/portal/productions/${productionId}`)}`,
    );

    const officer = await desk.signInPage(desk.accounts.officerA);
    const landing = await desk.app.inject({
      method: "GET",
      url: `/portal/productions/${productionId}`,
      headers: { cookie: officer.cookie },
    });
    expect(landing.statusCode).toBe(303);
    expect(landing.headers.location).toBe(`/portal/requests/${requestId}#production`);

    // Another agency's officer learns nothing: the same page as for a production that does not exist.
    const other = await desk.signInPage(desk.accounts.officerB);
    const foreign = await desk.app.inject({
      method: "GET",
      url: `/portal/productions/${productionId}`,
      headers: { cookie: other.cookie },
    });
    const none = await desk.app.inject({
      method: "GET",
      url: "/portal/productions/00000000-0000-4000-8000-000000000000",
      headers: { cookie: other.cookie },
    });
    expect(foreign.statusCode).toBe(404);
    expect(none.statusCode).toBe(404);
    expect(foreign.body).not.toContain(requestId);

    const reviewer = await desk.signInPage(desk.accounts.reviewer);
    const staff = await desk.app.inject({
      method: "GET",
      url: `/portal/productions/${productionId}`,
      headers: { cookie: reviewer.cookie },
    });
    expect(staff.headers.location).toBe(`/desk/requests/${requestId}#production`);
  });

  it("shows the production and downloads it once through the page's form", async () => {
    const officer = await desk.signInPage(desk.accounts.officerA);
    const page = await desk.app.inject({
      method: "GET",
      url: `/portal/requests/${requestId}`,
      headers: { cookie: officer.cookie },
    });
    expect(page.statusCode).toBe(200);
    const section = page.body.slice(page.body.indexOf('id="production"'));
    expect(section).toContain('<h2 id="production-h">Production</h2>');
    expect(section).toMatch(/\d+ files, [\d.]+ kB as a tar/);
    expect(section).toContain("Not yet");
    expect(section).toContain("1002993841");
    expect(section).toContain(`action="/portal/productions/${productionId}/download"`);
    expect(section).toContain("Download the production");

    const url = `/portal/productions/${productionId}/download`;
    const headers = { cookie: officer.cookie, "content-type": "application/x-www-form-urlencoded" };
    // Without the form's token the post is refused and the production is not spent.
    const forged = await desk.app.inject({ method: "POST", url, headers, payload: "" });
    expect(forged.statusCode).toBe(403);

    const download = await desk.app.inject({ method: "POST", url, headers, payload: form({ _csrf: officer.csrf }) });
    expect(download.statusCode, download.body.slice(0, 300)).toBe(200);
    expect(download.headers["content-type"]).toBe("application/x-tar");
    expect(download.headers["content-disposition"]).toBe(
      `attachment; filename="custodian-production-${productionId}.tar"`,
    );
    const files = await tarFiles(download.rawPayload);
    expect(files.has(`custodian-production-${productionId}/manifest-sha256.txt`)).toBe(true);

    const again = await desk.app.inject({ method: "POST", url, headers, payload: form({ _csrf: officer.csrf }) });
    expect(again.statusCode).toBe(409);
    expect(again.headers["content-type"]).toMatch(/text\/html/);
    // Said plainly (issue 18, item 3): when and by whom, why once, what to do, and the way back to the request.
    expect(again.body).toContain("<h1>This production was already downloaded</h1>");
    expect(again.body).toContain(`by ${desk.accounts.officerA.email}`);
    expect(again.body).toMatch(/<time datetime="[^"]+"/);
    expect(again.body).toContain("can be downloaded only once");
    expect(again.body).toContain("If that copy is lost or damaged");
    expect(again.body).toContain(`href="/portal/productions/${productionId}">Back to the request and its production`);
    expect(again.body).toContain('href="/portal">Go to your requests');
    // The page's words, not its status code or a generic way back (ids in links may hold the digits 409).
    const words = again.body.replace(/<[^>]*>/g, " ");
    expect(words).not.toMatch(/\b409\b|Conflict|Back to the start/);

    const after = await desk.app.inject({
      method: "GET",
      url: `/portal/requests/${requestId}`,
      headers: { cookie: officer.cookie },
    });
    expect(after.body).toContain(`by ${desk.accounts.officerA.email}`);
    expect(after.body).toContain("Already downloaded");
    expect(after.body).not.toContain("Download the production");

    // The API reads the same productions through the same function of the fulfilment slice as the page.
    const api = await desk.signIn(desk.accounts.officerA);
    const listed = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${requestId}/productions`,
      headers: api.headers,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const [production, ...others] = listed.json().items;
    expect(others).toEqual([]);
    expect(production).toMatchObject({
      id: productionId,
      status: "downloaded",
      downloadedBy: desk.accounts.officerA.email,
      dataProduced: true,
    });
    expect(production.targets.map((t: { target: string }) => t.target).join()).toContain("1002993841");
    expect(after.body).toContain(`${production.files.length} files`);
    const foreign = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${requestId}/productions`,
      headers: (await desk.signIn(desk.accounts.officerB)).headers,
    });
    expect(foreign.statusCode).toBe(404);

    const trail = await desk.db
      .selectFrom("audit_event")
      .select(["action", "payload"])
      .where("object_id", "=", productionId)
      .where("action", "in", ["production.downloaded", "production.download_refused"])
      .orderBy("id")
      .execute();
    expect(trail.map((e) => [e.action, (e.payload as { reason?: string }).reason])).toEqual([
      ["production.downloaded", undefined],
      ["production.download_refused", "already_downloaded"],
    ]);
  });
});
