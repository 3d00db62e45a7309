import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server/server.js";
import { DRIVERS } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { deliveredProduction } from "./support/fulfilment.js";
import { type Account, activeOfficer, type Desk, openDesk, type PageSession, type Session } from "./support/http.js";

/**
 * Suspending an account holds the open requests it submitted for staff review, over a real port: in the
 * suspension's own transaction (same xid in the audit trail), said on the request (API, desk page, the
 * agency's portal page without the reason), refusing every move toward disclosure, not counted as a
 * jurisdiction's hold in the report, and released only by staff with a note, one or all.
 */

describe.each(DRIVERS)("a suspended account's open requests, on %s", (driver) => {
  let desk: Desk;
  let server: RunningServer;
  let intake: Session;
  let colleague: Account;
  let colleagueSession: Session;
  const ids: string[] = [];
  let delivered: { requestId: string; productionId: string };

  const call = async (method: string, path: string, session: Session | undefined, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...session?.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const page = async (path: string, session: PageSession, form?: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: session.cookie,
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: new URLSearchParams({ _csrf: session.csrf, ...form }).toString() } : {}),
    });
    return { status: response.status, location: response.headers.get("location"), text: await response.text() };
  };

  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_MASTER_KEY: Buffer.alloc(32, 9).toString("base64") });
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 60_000 });
    intake = await desk.signIn(desk.accounts.intake);
    // A second officer of the FBI, who keeps following the agency's requests in the portal.
    const email = "agent.jones@fbi.gov";
    colleague = await activeOfficer(
      { db: desk.db, clock: desk.clock, publicUrl: desk.config.publicUrl, intake: desk.accounts.intake },
      { email, agencyId: desk.agencies.a, displayName: "Jones" },
    );

    const officer = await desk.signIn(desk.accounts.officerA);
    for (let k = 0; k < 3; k += 1) {
      const submitted = await call(
        "POST",
        "/api/v1/requests",
        officer,
        JSON.parse(requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.name"] })),
      );
      expect(submitted.status, submitted.text).toBe(201);
      ids.push(submitted.json().id as string);
    }
    // Packaged and waiting for its download: the data has not left yet.
    delivered = await deliveredProduction(desk);
    // One is finished before the suspension: it is not open, so it is not held.
    const withdrawn = await call("POST", `/api/v1/requests/${ids[2]}/withdraw`, officer, { reason: "sent twice" });
    expect(withdrawn.status, withdrawn.text).toBe(200);

    const admin = await desk.signIn(desk.accounts.admin);
    const suspended = await call("POST", `/api/v1/users/${desk.accounts.officerA.userId}/suspend`, admin, {
      reason: "credentials phished",
    });
    expect(suspended.status, suspended.text).toBe(204);
  });
  afterAll(async () => {
    await server?.close();
    await desk?.close();
  });

  it("holds every open request in the suspension's transaction and says so on the request", async () => {
    const [first, second, finished] = ids as [string, string, string];
    for (const id of [first, second, delivered.requestId]) {
      const detail = (await call("GET", `/api/v1/requests/${id}`, intake)).json();
      // The hold is beside the status, not a status: nothing about the request's own state changes.
      expect(detail.status).toBe(id === delivered.requestId ? "delivered" : "received");
      expect(detail.staffHold).toMatchObject({
        kind: "account_suspended",
        reason: "credentials phished",
        placedBy: desk.accounts.admin.email,
        account: { id: desk.accounts.officerA.userId, email: desk.accounts.officerA.email },
      });
    }
    expect((await call("GET", `/api/v1/requests/${finished}`, intake)).json().staffHold).toBeNull();

    const { rows } = await sql<{ action: string; object_id: string; xid: string }>`
      select action, object_id, xid::text as xid from audit_event
       where action in ('user.suspended', 'request.hold_placed') order by id`.execute(desk.db);
    expect(rows.map((r) => r.action)).toEqual([
      "user.suspended",
      "request.hold_placed",
      "request.hold_placed",
      "request.hold_placed",
    ]);
    expect(new Set(rows.map((r) => r.xid)).size).toBe(1);
    expect(rows.slice(1).map((r) => r.object_id)).toEqual([first, second, delivered.requestId].sort());

    const deskPage = await page(`/desk/requests/${first}`, await desk.signInPage(desk.accounts.intake));
    expect(deskPage.text).toContain("Held for staff review");
    expect(deskPage.text).toContain("credentials phished");
    expect(deskPage.text).toContain(`action="/desk/requests/${first}/release"`);

    // The agency learns that it waits for the provider's staff, not the reason for the suspension.
    const portal = await page(`/portal/requests/${first}`, await desk.signInPage(colleague));
    expect(portal.status).toBe(200);
    expect(portal.text).toContain("Held for review by our staff");
    expect(portal.text).not.toContain("credentials phished");
    colleagueSession = await desk.signIn(colleague);
    const theirs = (await call("GET", `/api/v1/requests/${first}`, colleagueSession)).json();
    expect(theirs.staffHold).toEqual({ kind: "account_suspended", since: expect.any(String) });
  });

  it("refuses every move toward disclosure while held, and is no jurisdiction hold in the report", async () => {
    const advanced = await call("POST", `/api/v1/requests/${ids[0]}/advance`, intake, { to: "verifying", note: "x" });
    expect(advanced.status).toBe(409);
    expect(advanced.text).toContain("held for staff review");
    // A colleague at the agency cannot fetch what was packaged for the suspended officer's request either.
    const download = await call("GET", `/api/v1/productions/${delivered.productionId}/download`, colleagueSession);
    expect(download.status).toBe(409);
    expect(download.text).toContain("waits for the provider's staff to review its request");
    const { rows } = await sql<{ requests: string; held: string }>`
      select sum(requests)::text as requests, sum(held)::text as held from report_rollup`.execute(desk.db);
    expect(rows[0]).toEqual({ requests: "4", held: "0" });
  });

  it("is released by staff only, with a note, each or all", async () => {
    const [first, second] = ids as [string, string];
    const noNote = await call("POST", `/api/v1/requests/${first}/release`, intake, { note: "" });
    expect(noNote.status).toBe(400);
    const admin = await desk.signIn(desk.accounts.admin);
    expect((await call("POST", `/api/v1/requests/${first}/release`, admin, { note: "x" })).status).toBe(403);

    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const one = await call("POST", `/api/v1/requests/${first}/release`, reviewer, {
      note: "called the FBI: Smith's requests are genuine",
    });
    expect(one.status, one.text).toBe(200);
    expect(one.json()).toEqual({ released: 1 });
    expect((await call("GET", `/api/v1/requests/${first}`, intake)).json().staffHold).toBeNull();
    expect((await call("GET", `/api/v1/requests/${second}`, intake)).json().staffHold).not.toBeNull();
    const moved = await call("POST", `/api/v1/requests/${first}/advance`, intake, { to: "verifying", note: "ok" });
    expect(moved.status, moved.text).toBe(200);
    const again = await call("POST", `/api/v1/requests/${first}/release`, reviewer, { note: "again" });
    expect(again.status).toBe(409);

    // "All" on the desk page releases the rest of this suspension's holds, with one note.
    const intakePage = await desk.signInPage(desk.accounts.intake);
    const all = await page(`/desk/requests/${second}/release`, intakePage, {
      note: "checked with the FBI",
      scope: "all",
    });
    expect(all.status, all.text).toBe(303);
    expect(all.location).toBe(`/desk/requests/${second}?notice=released-all`);
    expect((await call("GET", `/api/v1/requests/${second}`, intake)).json().staffHold).toBeNull();
    const none = await call("POST", `/api/v1/users/${desk.accounts.officerA.userId}/release-holds`, intake, {
      note: "anything left",
    });
    expect(none.status).toBe(409);

    const released = await desk.db
      .selectFrom("audit_event")
      .select(["actor", "object_id", "payload"])
      .where("action", "=", "request.hold_released")
      .orderBy("id")
      .execute();
    expect(released.map((e) => [e.actor, e.object_id, (e.payload as { note: string }).note])).toEqual([
      [desk.accounts.reviewer.email, first, "called the FBI: Smith's requests are genuine"],
      ...[second, delivered.requestId].sort().map((id) => [desk.accounts.intake.email, id, "checked with the FBI"]),
    ]);
    const download = await call("GET", `/api/v1/productions/${delivered.productionId}/download`, colleagueSession);
    expect(download.status, download.text).toBe(200);
  });
});
