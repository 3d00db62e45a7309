import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotpCode } from "../src/auth/credentials.js";
import { auditSince, isProblem, lastAuditId, nextAddress, signInAs } from "./support/attack.js";
import { DRIVERS } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import {
  type Account,
  completeStaffSetup,
  type Desk,
  openDesk,
  PASSWORD,
  type PageSession,
  type Session,
  setupToken,
} from "./support/http.js";

/**
 * Issue 12, defect 1: "One admin defeats the two-admin rule". An admin proposes a new phone on file, is
 * refused self-approval, then made a second admin with POST /users (whose answer handed over its password
 * and second-factor secret), signed in as it and approved the change; intake's next call-back dialled the
 * attacker. Here each step of that attack, and its variants, over HTTP against the real server.
 */

const FBI_PHONE = "+12023243000";
const ATTACKER = "+15555550177";

describe.each(DRIVERS)("one admin alone on %s", (driver) => {
  let desk: Desk;
  let admin: Session;
  let admin2: Session;
  let intake: Session;
  let officerA: Session;
  let phoneChange: string;
  let shadowAccount: Account;

  beforeAll(async () => {
    desk = await openDesk(driver);
    admin = await signInAs(desk, desk.accounts.admin);
    admin2 = await signInAs(desk, desk.admin2);
    intake = await signInAs(desk, desk.accounts.intake);
    officerA = await signInAs(desk, desk.accounts.officerA);
  });
  afterAll(async () => {
    await desk?.close();
  });

  const send = (method: "GET" | "POST", url: string, session?: Session, payload?: unknown) =>
    desk.app.inject({
      method,
      url,
      remoteAddress: nextAddress(),
      headers: session?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const post = (url: string, session: Session | undefined, payload: unknown = {}) =>
    send("POST", url, session, payload);
  const expectProblem = (response: LightMyRequestResponse, status: number) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(isProblem(response)).toBe(true);
    return response.json() as { detail: string };
  };
  const pagePost = (session: PageSession, url: string, fields: Record<string, string>) =>
    desk.app.inject({
      method: "POST",
      url,
      remoteAddress: nextAddress(),
      headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
    });
  const phoneOnFile = async () =>
    (
      (await send("GET", `/api/v1/agencies/${desk.agencies.a}`, intake)).json() as {
        phoneOnFile: string;
      }
    ).phoneOnFile;
  /** What intake's next call-back for a new emergency from agency A dials. */
  const nextCallbackDials = async () => {
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      remoteAddress: nextAddress(),
      headers: { ...officerA.headers, "content-type": "application/json" },
      payload: requestDocument({
        jurisdiction: "US",
        process: "emergency",
        emergency: { justification: "a kidnapping; minutes count", verified: false },
        targets: [{ type: "phone", value: "+12025550142" }],
        categories: ["subscriber.phone"],
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const shown = await send("GET", `/api/v1/requests/${id}/callback-number`, intake);
    expect(shown.statusCode, shown.body).toBe(200);
    return (shown.json() as { dial: string | null }).dial;
  };
  const propose = async (session: Session, email: string, role = "admin") => {
    const made = await post("/api/v1/users", session, { email, displayName: email.split("@")[0], role });
    expect(made.statusCode, made.body).toBe(202);
    return (made.json() as { id: string }).id;
  };

  it("the issue's attack: every step is refused and audited, and the call-back still dials the number on file", async () => {
    const since = await lastAuditId(desk);
    const proposed = await post(`/api/v1/agencies/${desk.agencies.a}/changes`, admin, {
      kind: "set_phone",
      value: ATTACKER,
    });
    expect(proposed.statusCode, proposed.body).toBe(201);
    phoneChange = (proposed.json() as { id: string }).id;
    expectProblem(await post(`/api/v1/agency-changes/${phoneChange}/approve`, admin), 409);

    // Making a second admin: the answer carries no secret, and nothing exists until a second admin says so.
    const made = await post("/api/v1/users", admin, {
      email: "shadow@provider.example",
      displayName: "Shadow",
      role: "admin",
    });
    expect(made.statusCode, made.body).toBe(202);
    expect(Object.keys(made.json() as object).sort()).toEqual(["id", "status"]);
    expect(made.body).not.toMatch(/password|totp|secret|setup/i);
    const shadowProposal = (made.json() as { id: string }).id;
    expect(
      await desk.db.selectFrom("app_user").select("id").where("email", "=", "shadow@provider.example").execute(),
    ).toEqual([]);
    expectProblem(await post(`/api/v1/user-changes/${shadowProposal}/approve`, admin), 409);

    // The pages are no second door.
    const page = await desk.signInPage(desk.accounts.admin);
    for (const [url, fields] of [
      [`/admin/user-changes/${shadowProposal}/decide`, { decision: "approve" }],
      [`/admin/agency-changes/${phoneChange}/decide`, { decision: "approve" }],
    ] as const) {
      const refused = await pagePost(page, url, fields);
      expect(refused.statusCode, url).toBe(409);
      expect(refused.body).toContain("needs a second admin");
    }
    const proposedOnPage = await pagePost(page, "/admin/users", {
      email: "shadow2@provider.example",
      displayName: "Shadow two",
      role: "counsel",
    });
    expect(proposedOnPage.statusCode, proposedOnPage.body).toBe(303);
    const usersPage = await desk.app.inject({
      method: "GET",
      url: "/admin/users?notice=staff-proposed",
      headers: { cookie: page.cookie },
    });
    expect(usersPage.body).toContain("shadow2@provider.example");
    expect(usersPage.body).not.toMatch(/One-time password|Second-factor secret/);
    // The proposer's own pages offer no approval of their own proposals.
    const agenciesPage = await desk.app.inject({
      method: "GET",
      url: "/admin/agencies",
      headers: { cookie: page.cookie },
    });
    const ownChange = agenciesPage.body.slice(agenciesPage.body.indexOf(`/admin/agency-changes/${phoneChange}/decide`));
    expect(ownChange.slice(0, ownChange.indexOf("</form>"))).toContain("waiting for a second admin");
    expect(ownChange.slice(0, ownChange.indexOf("</form>"))).not.toContain('value="approve"');

    expect(await phoneOnFile()).toBe(FBI_PHONE);
    expect(await nextCallbackDials()).toBe(FBI_PHONE);
    expect(await auditSince(desk, since, "agency.change_applied")).toEqual([]);
    expect(await auditSince(desk, since, "user.change_applied")).toEqual([]);
    const refusals = await auditSince(desk, since, "security.refused");
    const on = (type: string, id: string) => refusals.filter((r) => r.object_type === type && r.object_id === id);
    expect(on("agency_change", phoneChange)).toHaveLength(2);
    expect(on("staff_change", shadowProposal)).toHaveLength(2);
    for (const r of refusals) expect(r.actor).toBe(desk.accounts.admin.email);
  });

  it("an admin the proposer brought in, or made after the proposal, never counts as the second admin", async () => {
    const since = await lastAuditId(desk);
    // A real second admin approves the shadow account: its secrets go to its own mailbox, not to either admin.
    const [pending] = (
      (await send("GET", "/api/v1/user-changes", admin2)).json() as {
        items: Array<{ id: string; email: string; proposedBy: string }>;
      }
    ).items.filter((c) => c.email === "shadow@provider.example");
    expect(pending?.proposedBy).toBe(desk.accounts.admin.email);
    const applied = await post(`/api/v1/user-changes/${pending?.id}/approve`, admin2);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.body).not.toMatch(/password|totp|secret/i);
    const mails = await desk.db
      .selectFrom("mail_outbox")
      .select(["recipient"])
      .where("purpose", "=", "staff.setup")
      .execute();
    expect(mails.map((m) => m.recipient)).toEqual(["shadow@provider.example"]);
    // Not yet set up: no password exists, so nobody can sign in as it.
    desk.clock.advance(31_000);
    expectProblem(
      await post("/api/v1/session", undefined, {
        email: "shadow@provider.example",
        password: "anything at all",
        code: "123456",
      }),
      401,
    );
    shadowAccount = await completeStaffSetup(desk, "shadow@provider.example");
    const shadow = await signInAs(desk, shadowAccount);

    // The shadow admin approves the proposer's change made before it existed: refused.
    expect(expectProblem(await post(`/api/v1/agency-changes/${phoneChange}/approve`, shadow), 409).detail).toMatch(
      /already an active admin when it was proposed|did not bring in/,
    );
    // ... and one made after it was set up: still refused, the proposer brought it in.
    desk.clock.advance(1000);
    const later = await post(`/api/v1/agencies/${desk.agencies.a}/changes`, admin, {
      kind: "set_phone",
      value: "+15555550178",
    });
    const laterId = (later.json() as { id: string }).id;
    expect(expectProblem(await post(`/api/v1/agency-changes/${laterId}/approve`, shadow), 409).detail).toMatch(
      /proposer proposed your account/,
    );
    // Nor can the shadow approve the proposer's staff accounts.
    const accomplice = await propose(admin, "accomplice@provider.example", "counsel");
    expectProblem(await post(`/api/v1/user-changes/${accomplice}/approve`, shadow), 409);

    // An admin proposed by someone else but approved by the proposer does not count either.
    const vettedProposal = await propose(admin2, "vetted@provider.example");
    expect((await post(`/api/v1/user-changes/${vettedProposal}/approve`, admin)).statusCode).toBe(200);
    const vetted = await signInAs(desk, await completeStaffSetup(desk, "vetted@provider.example"));
    desk.clock.advance(1000);
    const third = await post(`/api/v1/agencies/${desk.agencies.a}/changes`, admin, {
      kind: "set_phone",
      value: "+15555550179",
    });
    const thirdId = (third.json() as { id: string }).id;
    expect(expectProblem(await post(`/api/v1/agency-changes/${thirdId}/approve`, vetted), 409).detail).toMatch(
      /proposed or approved your account/,
    );
    // An admin set up after the proposal does not count, whoever brought them in.
    const fresh = await propose(admin2, "fresh@provider.example");
    desk.clock.advance(1000);
    const fourth = await post(`/api/v1/agencies/${desk.agencies.b}/changes`, admin, {
      kind: "set_phone",
      value: "+442079460000",
    });
    const fourthId = (fourth.json() as { id: string }).id;
    // admin2 proposed "fresh"; the first admin, a second admin for it, applies it.
    expect((await post(`/api/v1/user-changes/${fresh}/approve`, admin)).statusCode).toBe(200);
    const freshAdmin = await signInAs(desk, await completeStaffSetup(desk, "fresh@provider.example"));
    expect(expectProblem(await post(`/api/v1/agency-changes/${fourthId}/approve`, freshAdmin), 409).detail).toMatch(
      /already an active admin when it was proposed/,
    );

    expect(await phoneOnFile()).toBe(FBI_PHONE);
    expect(await nextCallbackDials()).toBe(FBI_PHONE);
    const refused = (await auditSince(desk, since, "security.refused")).filter((r) =>
      ["agency_change", "staff_change"].includes(r.object_type),
    );
    expect(refused.map((r) => r.object_id).sort()).toEqual(
      [phoneChange, laterId, accomplice, thirdId, fourthId].sort(),
    );

    // The rule is two people, not never: the pre-existing second admin rejects the attacker's number.
    const rejected = await post(`/api/v1/agency-changes/${phoneChange}/reject`, admin2);
    expect(rejected.statusCode, rejected.body).toBe(200);
    const legit = await post(`/api/v1/agency-changes/${fourthId}/approve`, admin2);
    expect(legit.statusCode, legit.body).toBe(200);
  });

  it("a setup link goes to its owner only, works once, is replaced by a new one, and refusals are audited", async () => {
    const proposal = await propose(admin, "newcounsel@provider.example", "counsel");
    const applied = await post(`/api/v1/user-changes/${proposal}/approve`, admin2);
    const { userId } = applied.json() as { userId: string };
    const first = await setupToken(desk.db, "newcounsel@provider.example");
    const resent = await post(`/api/v1/users/${userId}/setup-link`, admin);
    expect(resent.statusCode, resent.body).toBe(202);
    expect(resent.body).not.toContain("/setup/");
    const since = await lastAuditId(desk);
    const replaced = await send("GET", `/setup/${first}`);
    expect(replaced.statusCode).toBe(404);
    expect(replaced.body).not.toMatch(/totp-secret/);
    const account = await completeStaffSetup(desk, "newcounsel@provider.example");
    const second = await setupToken(desk.db, "newcounsel@provider.example");
    expect((await send("GET", `/setup/${second}`)).statusCode).toBe(404);
    expect((await send("GET", "/setup/not-a-link-anyone-was-ever-sent")).statusCode).toBe(404);
    // A set-up account gets no new link.
    expectProblem(await post(`/api/v1/users/${userId}/setup-link`, admin), 409);
    const reasons = (await auditSince(desk, since, "security.refused")).map((r) => [r.object_id, r.payload.reason]);
    expect(reasons).toEqual([
      [userId, "setup link replaced by a newer one"],
      [userId, "setup link already used"],
      ["setup-link", "unknown setup link"],
      [userId, expect.stringMatching(/only for an account not yet set up/)],
    ]);
    expect((await auditSince(desk, since, "user.setup_completed")).map((r) => r.object_id)).toEqual([userId]);
    expect((await signInAs(desk, account)).headers.cookie).toBeTruthy();
  });

  it("an expired setup link opens nothing", async () => {
    const proposal = await propose(admin, "late@provider.example", "auditor");
    const { userId } = (await post(`/api/v1/user-changes/${proposal}/approve`, admin2)).json() as { userId: string };
    const token = await setupToken(desk.db, "late@provider.example");
    const since = await lastAuditId(desk);
    desk.clock.advance(73 * 3_600_000);
    expect((await send("GET", `/setup/${token}`)).statusCode).toBe(404);
    const [refusal] = await auditSince(desk, since, "security.refused");
    expect(refusal).toMatchObject({
      object_id: userId,
      payload: expect.objectContaining({ reason: "setup link expired" }),
    });
  });

  it("bringing a suspended member of staff back takes a second admin, and their old credentials stay dead", async () => {
    // Sessions from before the expiry test's 73 hours have lapsed: everyone signs in again.
    const first = await signInAs(desk, desk.accounts.admin);
    const second = await signInAs(desk, desk.admin2);
    const auditor = desk.accounts.auditor;
    expect((await post(`/api/v1/users/${auditor.userId}/suspend`, first, { reason: "lost laptop" })).statusCode).toBe(
      204,
    );
    const since = await lastAuditId(desk);
    const proposed = await post(`/api/v1/users/${auditor.userId}/reactivate`, first);
    expect(proposed.statusCode, proposed.body).toBe(202);
    const { id } = proposed.json() as { id: string };
    expectProblem(await post(`/api/v1/user-changes/${id}/approve`, first), 409);
    const applied = await post(`/api/v1/user-changes/${id}/approve`, second);
    expect(applied.statusCode, applied.body).toBe(200);
    // The old password and second factor are gone with the suspension: the owner sets up anew.
    desk.clock.advance(31_000);
    expectProblem(
      await post("/api/v1/session", undefined, {
        email: auditor.email,
        password: PASSWORD,
        code: currentTotpCode(auditor.totpSecret, desk.clock.now()),
      }),
      401,
    );
    const back = await completeStaffSetup(desk, auditor.email);
    expect(back.totpSecret).not.toBe(auditor.totpSecret);
    expect((await signInAs(desk, back)).headers.cookie).toBeTruthy();
    expect((await auditSince(desk, since, "user.reinstated")).map((r) => r.object_id)).toEqual([auditor.userId]);

    // The proposer's own admins cannot bring back an admin for them.
    expect((await post(`/api/v1/users/${desk.admin2.userId}/suspend`, first, { reason: "test" })).statusCode).toBe(204);
    const again = await post(`/api/v1/users/${desk.admin2.userId}/reactivate`, first);
    const againId = (again.json() as { id: string }).id;
    const shadow = await signInAs(desk, shadowAccount);
    expect(expectProblem(await post(`/api/v1/user-changes/${againId}/approve`, shadow), 409).detail).toMatch(
      /proposer proposed your account/,
    );
    expect(
      (await desk.db.selectFrom("app_user").select("status").where("id", "=", desk.admin2.userId).executeTakeFirst())
        ?.status,
    ).toBe("suspended");
  });
});
