import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listUsers } from "../src/auth/accounts.service.js";
import { createApiToken } from "../src/auth/sessions.service.js";
import { type Action, PERMISSIONS } from "../src/authz/authz.js";
import type { Db } from "../src/db/database.js";
import type { Role } from "../src/domain/vocabulary.js";
import { pauseJurisdiction, resumeJurisdiction } from "../src/jurisdictions/jurisdictions.service.js";
import { listOutbox } from "../src/mail/outbox.js";
import { activatePolicy } from "../src/policy/policy.store.js";
import { DRIVERS } from "./support/db.js";
import { EXAMPLE_POLICY, requestDocument, TEST_OPERATOR } from "./support/fixtures.js";
import { type Account, type Desk, openDesk, principalOf } from "./support/http.js";

/**
 * Generated from the server's own route table: every route × every caller (anonymous, each staff role,
 * an officer of another agency, an API token) × an object that belongs to another agency. Wherever
 * docs/roles.md (as PERMISSIONS encodes it) forbids the call, the answer must be a refusal (401/403/404),
 * and the database must be exactly as it was: zero forbidden reads or writes. A new route without an
 * access rule fails here.
 */

interface Caller {
  name: string;
  role: Role | "anonymous";
  headers: Record<string, string>;
  /** An officer acting on another agency's object. */
  foreign: boolean;
  token?: readonly string[];
}

// A body each route would accept from a caller allowed to make it, so a refusal is not a 400 in disguise.
function sampleBody(method: string, url: string, desk: Desk): unknown {
  if (method === "GET" || method === "DELETE") return undefined;
  const bodies: Record<string, unknown> = {
    "/api/v1/session": { email: "nobody@example.org", password: "x", code: "000000" },
    "/api/v1/registrations": {
      email: "new.officer@met.police.uk",
      displayName: "New",
      password: "long enough password",
    },
    "/api/v1/registrations/confirm": { token: "x".repeat(43) },
    "/api/v1/registrations/second-factor": { token: "x".repeat(43), code: "000000" },
    "/api/v1/tokens": { name: "system", scopes: ["requests:read"] },
    "/api/v1/requests": JSON.parse(
      requestDocument({ jurisdiction: "GB", process: "subpoena", categories: ["subscriber.name"] }),
    ),
    "/api/v1/requests/:id/withdraw": { reason: "no longer needed" },
    "/api/v1/requests/:id/advance": { to: "verifying", note: "checked" },
    "/api/v1/requests/:id/callback": { confirmed: true, note: "confirmed" },
    "/api/v1/requests/:id/callback-number/review": { dial: "on_record", note: "looked" },
    "/api/v1/users/:id/callback-number/review": { dial: "on_file", note: "looked" },
    "/api/v1/requests/:id/reviews": { verdict: "reject", note: "no" },
    "/api/v1/jurisdictions/:code/pause": { reason: "test" },
    "/api/v1/jurisdictions/:code/resume": { reason: "test" },
    "/api/v1/policy": { document: "policy: 1\nname: X\nversion: '1'\n" },
    "/api/v1/users": { email: "new.staff@provider.example", displayName: "New", role: "reviewer" },
    "/api/v1/users/:id/activate": { confirmed: true, note: "called" },
    "/api/v1/users/:id/suspend": { reason: "test" },
    "/api/v1/requests/:id/release": { note: "called the agency" },
    "/api/v1/requests/:id/messages": { kind: "acknowledgement" },
    "/api/v1/requests/:id/messages/:messageId/answer": { answer: "the start of the session" },
    "/portal/requests/:id/messages/:messageId/answer": { answer: "the start of the session" },
    "/api/v1/requests/:id/order-facts": { illegalContentCategory: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" },
    "/api/v1/requests/:id/enforcing-state/notification": { enforcingState: "DE", notifiedAt: "2026-12-01T10:00:00Z" },
    "/api/v1/requests/:id/enforcing-state/answers": { kind: "no_ground", answeredAt: "2026-12-01T10:00:00Z" },
    "/api/v1/requests/:id/publication": { redactions: [{ field: "reference", reason: "the agency asked" }] },
    "/api/v1/requests/:id/publication/approval": { version: 1 },
    "/desk/requests/:id/enforcing-state/notification": { enforcingState: "DE", notifiedAt: "2026-12-01 10:00" },
    "/desk/requests/:id/enforcing-state/answers": { kind: "no_ground" },
    "/api/v1/users/:id/release-holds": { note: "called the agency" },
    "/desk/requests/:id/release": { note: "called the agency", scope: "this" },
    "/api/v1/agencies": { name: "New Agency", jurisdiction: "FR" },
    "/api/v1/agencies/:id/changes": { kind: "add_domain", value: "new-agency.example" },
    // The pages' forms (sent here as JSON with the CSRF header, which the pages accept too).
    "/portal/requests/:id/withdraw": { reason: "no longer needed" },
    "/desk/requests/:id/review": { verdict: "reject", note: "no" },
    "/desk/requests/:id/advance": { to: "verifying", note: "checked" },
    "/desk/requests/:id/callback": { confirmed: "yes", note: "confirmed" },
    "/desk/requests/:id/callback-number/review": { dial: "on_record", note: "looked" },
    "/admin/jurisdictions/:code/pause": { reason: "test" },
    "/admin/jurisdictions/:code/resume": { reason: "test" },
    "/admin/policy/activate": { document: "policy: 1\nname: X\nversion: '1'\n", sha256: "0".repeat(64) },
    "/admin/agencies": { name: "New Agency", jurisdiction: "FR" },
    "/admin/agencies/changes": { agencyId: desk.agencies.b, kind: "add_domain", value: "new-agency.example" },
    "/admin/agency-changes/:id/decide": { decision: "approve" },
    "/admin/users": { email: "new.staff@provider.example", displayName: "New", role: "reviewer" },
    "/admin/users/:id/suspend": { reason: "test" },
    "/admin/users/:id/activate": { confirmed: "yes", note: "called" },
    "/admin/user-changes/:id/decide": { decision: "approve" },
  };
  return bodies[url] ?? {};
}

/** Everything a refused call could have read or written, reduced to one comparable value. */
async function fingerprint(db: Db): Promise<string> {
  const { rows } = await sql<{ fp: string }>`
    select concat_ws('|',
      (select count(*) from request), (select string_agg(id::text || status || version, ',' order by id) from request),
      (select count(*) from decision), (select count(*) from review), (select count(*) from callback), (select count(*) from callback_number_review),
      (select string_agg(id::text || status, ',' order by id) from app_user), (select count(*) from api_token where revoked_at is null),
      (select count(*) from user_session where revoked_at is null), (select count(*) from agency), (select count(*) from agency_change),
      (select string_agg(status, ',' order by id) from agency_change), (select count(*) from agency_domain),
      (select string_agg(id::text || status, ',' order by id) from staff_change),
      (select count(*) from staff_setup where used_at is null and revoked_at is null),
      (select count(*) from jurisdiction_status), (select count(*) from policy_version), (select count(*) from mail_outbox),
      (select count(*) from audit_event where action not in ('security.refused', 'session.refused', 'session.created'))
    ) as fp`.execute(db);
  return rows[0]?.fp ?? "";
}

async function refusalCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom("audit_event")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("action", "=", "security.refused")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(DRIVERS)("authorization on every route, on %s", (driver) => {
  let desk: Desk;
  const callers: Caller[] = [];
  const objects: Record<string, string> = {};

  beforeAll(async () => {
    desk = await openDesk(driver);
    const { accounts } = desk;
    // Agency B's objects: a request with a stored document, an officer, a token, a pending agency change.
    const officerB = await desk.signIn(accounts.officerB);
    const boundary = "----custodian";
    const doc = requestDocument({ jurisdiction: "GB", process: "court_order", categories: ["records.ip_logs"] });
    const multipart = [
      `--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n${doc}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="order.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 order of the court\r\n`,
      `--${boundary}--\r\n`,
    ].join("");
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officerB.headers, "content-type": `multipart/form-data; boundary=${boundary}` },
      payload: multipart,
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    objects.request = (submitted.json() as { id: string }).id;
    objects.agency = desk.agencies.b;
    objects.user = accounts.officerB.userId;
    objects.token = (
      await createApiToken(
        desk.db,
        principalOf(accounts.officerB),
        { name: "b", scopes: ["requests:read"], expiresInDays: 1 },
        desk.clock.now(),
      )
    ).view.id;
    const change = await desk.app.inject({
      method: "POST",
      url: `/api/v1/agencies/${desk.agencies.b}/changes`,
      headers: (await desk.signIn(accounts.admin)).headers,
      payload: { kind: "set_phone", value: "+442070000000" },
    });
    objects.change = (change.json() as { id: string }).id;
    const staffChange = await desk.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: (await desk.signIn(accounts.admin)).headers,
      payload: { email: "proposed.staff@provider.example", displayName: "Proposed", role: "counsel" },
    });
    expect(staffChange.statusCode, staffChange.body).toBe(202);
    objects.staffChange = (staffChange.json() as { id: string }).id;

    callers.push({ name: "anonymous", role: "anonymous", headers: {}, foreign: false });
    const officerA = await desk.signIn(accounts.officerA);
    callers.push({ name: "officer of agency A", role: "agency", headers: officerA.headers, foreign: true });
    for (const role of ["intake", "reviewer", "counsel", "admin", "auditor"] as const) {
      const session = await desk.signIn(accounts[role] as Account);
      callers.push({ name: role, role, headers: session.headers, foreign: false });
    }
    const token = await createApiToken(
      desk.db,
      principalOf(accounts.officerA),
      { name: "a", scopes: ["requests:read", "requests:write"], expiresInDays: 1 },
      desk.clock.now(),
    );
    callers.push({
      name: "API token of agency A",
      role: "agency",
      headers: { authorization: `Bearer ${token.token}` },
      foreign: true,
      token: ["requests:read", "requests:write"],
    });
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("every route, API and page, declares who may call it", () => {
    const missing = desk.app.routeTable.filter((r) => r.access === undefined);
    expect(missing).toEqual([]);
    expect(desk.app.routeTable.length).toBeGreaterThan(25);
  });

  it("refuses every call the roles table forbids, and the refused call reads and writes nothing", async () => {
    const TOKEN_SCOPE: Partial<Record<Action, string>> = {
      "request.submit": "requests:write",
      "request.withdraw": "requests:write",
      "request.list": "requests:read",
      "request.read": "requests:read",
    };
    const fill = (url: string) =>
      url
        .replace(":messageId", "00000000-0000-4000-8000-000000000000")
        .replace(":code", "GB")
        .replace(":position", "0")
        .replace(":period", "2020H2")
        .replace(":version", "1")
        .replace(
          ":id",
          /^\/(api\/v1|portal|desk)\/requests/.test(url)
            ? (objects.request as string)
            : /^\/(api\/v1|admin)\/users/.test(url)
              ? (objects.user as string)
              : url.startsWith("/api/v1/agencies")
                ? (objects.agency as string)
                : /^\/(api\/v1|admin)\/agency-changes/.test(url)
                  ? (objects.change as string)
                  : /^\/(api\/v1|admin)\/user-changes/.test(url)
                    ? (objects.staffChange as string)
                    : (objects.token as string),
        );
    let checked = 0;
    let pagesChecked = 0;
    const leaks: string[] = [];
    const unaudited: string[] = [];
    for (const route of desk.app.routeTable) {
      if (route.access === "public") continue;
      for (const caller of callers) {
        let forbidden: boolean;
        if (caller.role === "anonymous") forbidden = true;
        else if (route.access === "signed-in" || route.access === undefined) forbidden = false;
        else {
          const action = route.access;
          const roleMay = PERMISSIONS[action].includes(caller.role);
          const scopeMay = !caller.token || caller.token.includes(TOKEN_SCOPE[action] ?? "none");
          // Officers' routes with an id (or the other agency's jurisdiction) act on agency B's objects.
          const onForeignObject = caller.foreign && route.url.includes(":id");
          forbidden = !roleMay || !scopeMay || onForeignObject;
        }
        if (!forbidden) continue;
        const before = await fingerprint(desk.db);
        const refusalsBefore = await refusalCount(desk.db);
        const body = sampleBody(route.method, route.url, desk);
        const response = await desk.app.inject({
          method: route.method as "GET",
          url: fill(route.url),
          headers: { ...caller.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
        checked += 1;
        if (route.page) pagesChecked += 1;
        const after = await fingerprint(desk.db);
        // Every refusal of a signed-in caller is on the record, the edge's role check included.
        if (response.statusCode === 403 && (await refusalCount(desk.db)) === refusalsBefore) {
          unaudited.push(`${caller.name} ${route.method} ${route.url}`);
        }
        // A page answers an anonymous caller by sending them to sign in; anything else is refused outright.
        const signInRedirect =
          route.page && caller.role === "anonymous" && response.statusCode === 303
            ? String(response.headers.location).startsWith("/signin")
            : false;
        if ((![401, 403, 404].includes(response.statusCode) && !signInRedirect) || after !== before) {
          leaks.push(
            `${caller.name} ${route.method} ${route.url} → ${response.statusCode} ${response.body.slice(0, 200)}`,
          );
        }
        for (const secret of [objects.request, "order of the court", "+442072301212"]) {
          // A 404 page may echo the id that was asked for; nothing else may show it.
          if (response.body.includes(secret as string) && response.statusCode !== 404) {
            leaks.push(`${caller.name} ${route.method} ${route.url} leaked ${secret}`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(unaudited).toEqual([]);
    expect(checked).toBeGreaterThan(100);
    expect(pagesChecked).toBeGreaterThan(40);
  });

  it("an officer's refusal for another agency's request is the same 404 as for a request that does not exist", async () => {
    const officerA = await desk.signIn(desk.accounts.officerA);
    const theirs = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${objects.request}`,
      headers: officerA.headers,
    });
    const none = await desk.app.inject({
      method: "GET",
      url: "/api/v1/requests/00000000-0000-4000-8000-000000000000",
      headers: officerA.headers,
    });
    expect(theirs.statusCode).toBe(404);
    expect(none.statusCode).toBe(404);
    expect((theirs.json() as { title: string }).title).toBe((none.json() as { title: string }).title);
    const list = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests?agencyId=${desk.agencies.b}`,
      headers: officerA.headers,
    });
    expect((list.json() as { items: unknown[] }).items).toEqual([]);
  });

  it("writes down a role refused at the edge: who, which route, which object, and why", async () => {
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const response = await desk.app.inject({
      method: "POST",
      url: "/api/v1/jurisdictions/FR/pause",
      headers: { ...reviewer.headers, "content-type": "application/json" },
      payload: JSON.stringify({ reason: "probing" }),
    });
    expect(response.statusCode).toBe(403);
    const officerA = await desk.signIn(desk.accounts.officerA);
    const officer = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${objects.request}/advance`,
      headers: { ...officerA.headers, "content-type": "application/json" },
      payload: JSON.stringify({ to: "verifying", note: "let me through" }),
    });
    expect(officer.statusCode).toBe(403);
    const entries = await desk.db
      .selectFrom("audit_event")
      .select(["actor", "object_type", "object_id", "payload"])
      .where("action", "=", "security.refused")
      .where("object_type", "=", "route")
      .orderBy("id", "desc")
      .limit(2)
      .execute();
    expect(entries.map((e) => [e.actor, e.object_id])).toEqual([
      [desk.accounts.officerA.email, "POST /api/v1/requests/:id/advance"],
      [desk.accounts.reviewer.email, "POST /api/v1/jurisdictions/:code/pause"],
    ]);
    expect(entries[0]?.payload).toMatchObject({
      reason: "the agency role may not request advance",
      access: "request.advance",
      via: "session",
      agencyId: desk.agencies.a,
      id: objects.request,
    });
    expect(entries[1]?.payload).toMatchObject({ reason: "the reviewer role may not jurisdiction change" });
  });

  it("checks the role again at every service entry point, whatever the route in front of it let through", async () => {
    const reviewer = principalOf(desk.accounts.reviewer);
    const now = new Date();
    await expect(pauseJurisdiction(desk.db, { jurisdiction: "FR", reason: "x", by: reviewer, now })).rejects.toThrow(
      /role may not/,
    );
    await expect(resumeJurisdiction(desk.db, { jurisdiction: "FR", reason: "x", by: reviewer, now })).rejects.toThrow(
      /role may not/,
    );
    await expect(
      desk.db.transaction().execute((tx) => activatePolicy(tx, EXAMPLE_POLICY, reviewer, now)),
    ).rejects.toThrow(/role may not/);
    await expect(listUsers(desk.db, principalOf(desk.accounts.officerA))).rejects.toThrow(/role may not/);
    await expect(listOutbox(desk.db, principalOf(desk.accounts.intake))).rejects.toThrow(/role may not/);
    // The roles that may, may; an operator at the shell acts on the host's authority.
    expect(Array.isArray(await listOutbox(desk.db, principalOf(desk.accounts.auditor), { limit: 1 }))).toBe(true);
    expect(Array.isArray(await listUsers(desk.db, TEST_OPERATOR))).toBe(true);
  });
});
