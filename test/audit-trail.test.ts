import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../src/audit/audit.js";
import { sealAudit } from "../src/audit/seal.js";
import { type RunningServer, startServer } from "../src/server/server.js";
import { DRIVERS } from "./support/db.js";
import { type Desk, openDesk, PASSWORD, type Session } from "./support/http.js";

/**
 * The whole audit trail for auditors, over a real port: what is written on users, agencies and sessions
 * (refused sign-ins, registrations, agency changes, suspensions) is readable, filtered by object, actor,
 * action and time, paged by keyset without gaps or repeats in either order, and never shows a credential.
 */

interface TrailPage {
  items: Array<{
    id: number;
    at: string;
    actor: string;
    action: string;
    objectType: string;
    objectId: string;
    details: Record<string, unknown>;
    position: number | null;
  }>;
  next: string | null;
}

describe.each(DRIVERS)("the audit trail for auditors, on %s", (driver) => {
  let desk: Desk;
  let server: RunningServer;
  let auditor: Session;
  let startedAt: Date;
  const bodies: string[] = [];

  const get = async (path: string, session: Session = auditor) => {
    const response = await fetch(`${server.url}${path}`, { headers: session.headers });
    const body = await response.text();
    bodies.push(body);
    return { status: response.status, type: response.headers.get("content-type") ?? "", body };
  };
  const trail = async (query: Record<string, string>) => {
    const { status, body } = await get(`/api/v1/audit/events?${new URLSearchParams(query)}`);
    expect(status, body).toBe(200);
    return JSON.parse(body) as TrailPage;
  };

  beforeAll(async () => {
    desk = await openDesk(driver);
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0, workEveryMs: 60_000 });
    auditor = await desk.signIn(desk.accounts.auditor);
    startedAt = new Date();
    // A refused sign-in and a suspension, through the real server (its clock is the real one).
    const refused = await fetch(`${server.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: desk.accounts.officerA.email, password: "not the password", code: "000000" }),
    });
    expect(refused.status).toBe(401);
    const admin = await desk.signIn(desk.accounts.admin);
    const suspended = await fetch(`${server.url}/api/v1/users/${desk.accounts.officerB.userId}/suspend`, {
      method: "POST",
      headers: { ...admin.headers, "content-type": "application/json" },
      body: JSON.stringify({ reason: "left the service" }),
    });
    expect(suspended.status).toBe(204);
  });
  afterAll(async () => {
    await server?.close();
    await desk?.close();
  });

  it("shows auditors what was written on users and agencies, filtered by object, action, actor and time", async () => {
    const officerA = desk.accounts.officerA;
    const onOfficer = await trail({ objectType: "user", objectId: officerA.userId, order: "oldest" });
    expect(onOfficer.items.map((e) => e.action)).toEqual([
      "user.registered",
      "user.email_confirmed",
      "user.totp_enrolled",
      "callback.recorded",
      "user.activated",
      "session.refused",
    ]);
    expect(onOfficer.items.at(-1)).toMatchObject({
      actor: officerA.email,
      details: { reason: "wrong e-mail or password" },
    });

    const suspensions = await trail({ action: "user.suspended" });
    expect(suspensions.items).toHaveLength(1);
    expect(suspensions.items[0]).toMatchObject({
      actor: desk.accounts.admin.email,
      objectType: "user",
      objectId: desk.accounts.officerB.userId,
      details: { reason: "left the service" },
    });

    const agencyChanges = await trail({ objectType: "agency_change", action: "agency.change_applied" });
    expect(agencyChanges.items).toHaveLength(4);
    expect(agencyChanges.items.every((e) => e.actor === "admin2@provider.example")).toBe(true);

    const byAdmin = await trail({ actor: desk.accounts.admin.email, limit: "200" });
    expect(byAdmin.items.length).toBeGreaterThan(5);
    expect(byAdmin.items.every((e) => e.actor === desk.accounts.admin.email)).toBe(true);

    // Only what the real server did since the test started (set-up ran on a clock ten minutes behind).
    const recent = await trail({ from: startedAt.toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    expect(new Set(recent.items.map((e) => e.action))).toEqual(new Set(["session.refused", "user.suspended"]));
    expect(recent.items.every((e) => Date.parse(e.at) >= startedAt.getTime())).toBe(true);
  });

  it("pages by keyset in both orders without a gap or a repeat", async () => {
    for (const order of ["newest", "oldest"] as const) {
      const whole = await trail({ order, limit: "200" });
      expect(whole.next).toBeNull();
      const ids = whole.items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => (order === "newest" ? b - a : a - b)));
      const paged: number[] = [];
      let after: string | null = null;
      do {
        const page: TrailPage = await trail({ order, limit: "7", ...(after ? { after } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(7);
        paged.push(...page.items.map((e) => e.id));
        after = page.next;
      } while (after);
      expect(paged).toEqual(ids);
    }
    const first = await trail({ order: "newest", limit: "2" });
    const wrongOrder = await get(`/api/v1/audit/events?order=oldest&after=${first.next}`);
    expect(wrongOrder.status).toBe(400);
    expect(wrongOrder.body).toContain("query.after");
    const backwards = await get("/api/v1/audit/events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
    expect(backwards.status).toBe(400);
    expect(backwards.body).toContain("query.to");
  });

  it("is the auditor's alone", async () => {
    for (const role of ["admin", "reviewer", "counsel", "intake"] as const) {
      const session = await desk.signIn(desk.accounts[role]);
      expect((await get("/api/v1/audit/events", session)).status, role).toBe(403);
      expect((await get("/desk/audit", session)).status, role).toBe(403);
    }
    expect((await fetch(`${server.url}/api/v1/audit/events`)).status).toBe(401);
  });

  it("is a page with the filters as a form, the events in words and the verify result beside them", async () => {
    await sealAudit(desk.db, { key: desk.config.auditSigningKey });
    const page = await desk.signInPage(desk.accounts.auditor);
    const html = async (query: string) => {
      const response = await fetch(`${server.url}/desk/audit${query}`, { headers: { cookie: page.cookie } });
      return { status: response.status, body: await response.text() };
    };
    const all = await html("");
    expect(all.status).toBe(200);
    expect(all.body).toContain("The trail is intact");
    expect(all.body).toMatch(/\d+ entries sealed, \d+ not sealed yet/);
    expect(all.body).toContain('Checked <span class="when">');
    expect(all.body).toContain('<form method="get" action="/desk/audit"');
    expect(all.body).toContain('href="/desk/audit"');
    const refused = await html(`?objectType=user&objectId=${desk.accounts.officerA.userId}&action=session.refused`);
    expect(refused.status).toBe(200);
    expect(refused.body).toContain("Sign-in refused");
    expect(refused.body).toContain("<dt>reason</dt><dd>wrong e-mail or password</dd>");
    expect(refused.body).not.toContain('<th scope="row">Account activated');
    const days = await html(`?from=2000-01-01&to=2000-01-02&action=`);
    expect(days.body).toContain("Nothing matches these filters.");
    const bad = await html("?from=yesterday");
    expect(bad.status).toBe(400);
    bodies.push(all.body, refused.body);
  });
  it("never shows a credential, whatever an event's author wrote into it", async () => {
    await desk.db.transaction().execute((tx) =>
      appendAudit(
        tx,
        {
          actor: "careless@provider.example",
          action: "security.refused",
          objectType: "user",
          objectId: "probe",
          payload: { reason: "probe", password: "hunter2-probe", nested: { totp_secret: "JBSWY3DPEHPK3PXP" } },
        },
        new Date(),
      ),
    );
    const probe = await trail({ objectId: "probe" });
    expect(probe.items[0]?.details).toEqual({
      reason: "probe",
      password: "[withheld]",
      nested: { totp_secret: "[withheld]" },
    });
    const everything = await trail({ limit: "200" });
    expect(everything.next).toBeNull();
    const users = await desk.db.selectFrom("app_user").select(["password_hash", "totp_secret"]).execute();
    const secrets = [
      PASSWORD,
      "hunter2-probe",
      "JBSWY3DPEHPK3PXP",
      ...users.flatMap((u) => [u.password_hash, u.totp_secret]).filter((s): s is string => !!s),
    ];
    for (const secret of secrets) {
      for (const body of bodies) expect(body.includes(secret), `a body showed ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
