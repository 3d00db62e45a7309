import { createHash, randomUUID } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideAgencyChange, proposeAgencyChange } from "../src/agencies/agencies.service.js";
import { confirmEmail, enrolTotp, registerOfficer } from "../src/auth/accounts.service.js";
import { currentTotpCode } from "../src/auth/credentials.js";
import { CSRF_HEADER, SESSION_COOKIE } from "../src/http/session.js";
import { auditSince, isProblem, lastAuditId, makeOfficer, multipart, nextAddress, signInAs } from "./support/attack.js";
import { DRIVERS } from "./support/db.js";
import { CHECKLIST_MET, requestDocument } from "./support/fixtures.js";
import {
  completeStaffSetup,
  confirmationToken,
  type Desk,
  openDesk,
  PASSWORD,
  principalOf,
  type Session,
} from "./support/http.js";

/**
 * Forged requests, one test per attack. Each ends the same way: nothing is disclosed (no request the
 * attack touched reaches approved, fulfilling or delivered, and no response carries its data) and the
 * refusal is in the audit trail.
 */

const DISCLOSED = ["approved", "fulfilling", "delivered"];
const FBI_PHONE = "+12023243000";

describe.each(DRIVERS)("forged requests on %s", (driver) => {
  let desk: Desk;
  let officerA: Session;
  let officerB: Session;
  let intake: Session;
  let reviewer: Session;
  let counsel: Session;
  let admin: Session;

  beforeAll(async () => {
    desk = await openDesk(driver);
    officerA = await signInAs(desk, desk.accounts.officerA);
    officerB = await signInAs(desk, desk.accounts.officerB);
    intake = await signInAs(desk, desk.accounts.intake);
    reviewer = await signInAs(desk, desk.accounts.reviewer);
    counsel = await signInAs(desk, desk.accounts.counsel);
    admin = await signInAs(desk, desk.accounts.admin);
  });
  afterAll(async () => {
    await desk?.close();
  });

  const send = (
    method: "GET" | "POST" | "DELETE",
    url: string,
    session?: Session | Record<string, string>,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    desk.app.inject({
      method,
      url,
      remoteAddress: nextAddress(),
      headers: session
        ? "account" in session
          ? (session as Session).headers
          : (session as Record<string, string>)
        : {},
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const get = (url: string, session?: Session | Record<string, string>) => send("GET", url, session);
  const post = (url: string, session: Session | Record<string, string> | undefined, payload: unknown) =>
    send("POST", url, session, payload);

  const submit = async (session: Session, overrides: Record<string, unknown>) => {
    const response = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      remoteAddress: nextAddress(),
      headers: { ...session.headers, "content-type": "application/json" },
      payload: requestDocument(overrides),
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; status: string; outcome: string };
  };

  const statusOf = async (id: string) =>
    (await desk.db.selectFrom("request").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

  const expectNotDisclosed = async (...ids: string[]) => {
    for (const id of ids) expect(DISCLOSED, `request ${id}`).not.toContain(await statusOf(id));
  };

  const expectProblem = (response: LightMyRequestResponse, status: number) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(isProblem(response), String(response.headers["content-type"])).toBe(true);
    return response.json() as { detail: string; errors?: Array<{ path: string; message: string }> };
  };

  const decisionOf = async (id: string) => {
    const response = await get(`/api/v1/requests/${id}`, counsel);
    expect(response.statusCode, response.body).toBe(200);
    return (
      response.json() as {
        decision: { outcome: string; needsReview: boolean; items: Array<{ action: string }> };
      }
    ).decision;
  };

  const userStatus = async (userId: string) =>
    (await desk.db.selectFrom("app_user").select("status").where("id", "=", userId).executeTakeFirstOrThrow()).status;

  it("1. a lookalike domain is refused at registration, naming the field and, in the audit, what it imitates", async () => {
    for (const email of ["agent@fbl.gov", "agent@fbi-gov.com", "agent@fb\u0456.gov"]) {
      const since = await lastAuditId(desk);
      const response = await post("/api/v1/registrations", undefined, {
        email,
        displayName: "Agent",
        password: PASSWORD,
      });
      const problem = expectProblem(response, 400);
      expect(problem.errors?.map((e) => e.path).join(" "), email).toMatch(/email/);
      const refused = await auditSince(desk, since, "security.refused");
      expect(refused, email).toHaveLength(1);
      expect(refused[0]?.payload.reason, email).toMatch(/fbi\.gov/);
      expect(refused[0]?.payload.domain).toBe(email.split("@")[1]);
      expect(refused[0]?.payload.imitates, email).toBe("fbi.gov");
      const account = await desk.db.selectFrom("app_user").select("id").where("email", "=", email).executeTakeFirst();
      expect(account, email).toBeUndefined();
    }
    const mails = await desk.db.selectFrom("mail_outbox").select("recipient").execute();
    expect(mails.map((m) => m.recipient)).not.toContain("agent@fbl.gov");
  });

  it("2. a hijacked real mailbox gets a pending account that cannot sign in or submit until a confirmed call-back", async () => {
    const email = "mallory@fbi.gov";
    const since = await lastAuditId(desk);
    // The applicant cannot supply a call-back number: the body is a closed schema.
    expectProblem(
      await post("/api/v1/registrations", undefined, {
        email,
        displayName: "Mallory",
        password: PASSWORD,
        phone: "+15555550100",
      }),
      400,
    );
    const registered = await post("/api/v1/registrations", undefined, {
      email,
      displayName: "Mallory",
      password: PASSWORD,
    });
    expect(registered.statusCode, registered.body).toBe(202);
    // The attacker reads the mailbox: confirmation and second factor succeed.
    const token = await confirmationToken(desk.db, email);
    const confirmed = await post("/api/v1/registrations/confirm", undefined, { token });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const { totpSecret } = confirmed.json() as { totpSecret: string };
    const enrolled = await post("/api/v1/registrations/second-factor", undefined, {
      token,
      code: currentTotpCode(totpSecret, desk.clock.now()),
    });
    expect(enrolled.statusCode, enrolled.body).toBe(200);
    expect(enrolled.json()).toEqual({ status: "awaiting_callback" });
    const user = await desk.db
      .selectFrom("app_user")
      .select(["id", "status"])
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(user.status).toBe("pending");

    const trySignIn = async () => {
      desk.clock.advance(31_000);
      return post("/api/v1/session", undefined, {
        email,
        password: PASSWORD,
        code: currentTotpCode(totpSecret, desk.clock.now()),
      });
    };
    const refused = await trySignIn();
    expectProblem(refused, 401);
    expect(refused.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    const anonymous = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
    });
    expectProblem(anonymous, 401);

    // Staff call the FBI on its number on file; nobody there knows Mallory. The number is not theirs to type.
    expectProblem(
      await post(`/api/v1/users/${user.id}/activate`, intake, {
        confirmed: true,
        note: "called",
        calledNumber: "+15555550100",
      }),
      400,
    );
    const notConfirmed = await post(`/api/v1/users/${user.id}/activate`, intake, {
      confirmed: false,
      note: "the FBI desk has no such officer",
    });
    expect(notConfirmed.statusCode, notConfirmed.body).toBe(200);
    expect(notConfirmed.json()).toEqual({ status: "pending", calledNumber: FBI_PHONE });
    expect(await userStatus(user.id)).toBe("pending");
    expectProblem(await trySignIn(), 401);

    const callbacks = await desk.db
      .selectFrom("callback")
      .select(["called_number", "outcome"])
      .where("subject_id", "=", user.id)
      .execute();
    expect(callbacks).toEqual([{ called_number: FBI_PHONE, outcome: "not_confirmed" }]);
    const refusals = await auditSince(desk, since, "session.refused");
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const r of refusals) {
      expect(r.object_id).toBe(user.id);
      expect(r.payload.reason).toBe("account is pending");
    }
    const recorded = await auditSince(desk, since, "callback.recorded");
    expect(recorded.map((r) => r.payload)).toEqual([
      expect.objectContaining({ calledNumber: FBI_PHONE, confirmed: false }),
    ]);
    expect(await auditSince(desk, since, "user.activated")).toHaveLength(0);
    const sessions = await desk.db
      .selectFrom("user_session")
      .select("id_hash")
      .where("user_id", "=", user.id)
      .execute();
    expect(sessions).toHaveLength(0);
  });

  it("3. an emergency's call-back goes to the number on file, not the one printed in the request", async () => {
    const printed = "+15555550123";
    const since = await lastAuditId(desk);
    const { id, status } = await submit(officerA, {
      jurisdiction: "US",
      process: "emergency",
      emergency: { justification: `child in danger; call me back on ${printed}`, verified: true },
      targets: [{ type: "phone", value: "+12025550199" }],
      categories: ["subscriber.phone", "records.ip_logs"],
    });
    expect(status).toBe("received");
    // Before the call-back: the sender's "verified: true" is ignored and nothing would be disclosed.
    const before = await decisionOf(id);
    expect(before.items.every((item) => item.action === "withhold")).toBe(true);
    const row = await desk.db
      .selectFrom("request")
      .select(["emergency_verified"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.emergency_verified).toBe(false);
    expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );
    // The caller cannot say which number was called.
    expectProblem(
      await post(`/api/v1/requests/${id}/callback`, counsel, { confirmed: true, note: "ok", calledNumber: printed }),
      400,
    );

    const callback = await post(`/api/v1/requests/${id}/callback`, counsel, {
      confirmed: true,
      note: `the request asked for ${printed}; called the FBI on its number on file instead`,
    });
    expect(callback.statusCode, callback.body).toBe(200);
    const recorded = await desk.db
      .selectFrom("callback")
      .select(["called_number", "made_by"])
      .where("subject_id", "=", id)
      .execute();
    expect(recorded).toEqual([{ called_number: FBI_PHONE, made_by: desk.accounts.counsel.userId }]);
    const audited = await auditSince(desk, since, "callback.recorded");
    expect(audited).toHaveLength(1);
    expect(audited[0]?.payload.calledNumber).toBe(FBI_PHONE);
    expect(JSON.stringify(audited[0]?.payload)).not.toContain(printed);

    const recommended = await post(`/api/v1/requests/${id}/reviews`, reviewer, {
      verdict: "recommend_approve",
      checklist: CHECKLIST_MET,
    });
    expect(recommended.statusCode, recommended.body).toBe(200);
    // Whoever made the call-back does not also approve the disclosure.
    const approval = expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );
    expect(approval.detail).toMatch(/call-back/);
    expect(await statusOf(id)).toBe("under_review");
    await expectNotDisclosed(id);
    const reviews = await auditSince(desk, since, "request.reviewed");
    expect(reviews.map((r) => r.payload.verdict)).toEqual(["recommend_approve"]);
  });

  it("4. a forged warrant PDF asking for content: hashed on upload, never approved by counsel alone, rejected", async () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Title (Search Warrant, forged) >> endobj\n%%EOF\n");
    const sha256 = createHash("sha256").update(pdf).digest("hex");
    const body = multipart([
      {
        name: "request",
        value: requestDocument({
          jurisdiction: "US",
          process: "search_warrant",
          issuedBy: "U.S. District Court (so it says)",
          targets: [{ type: "username", value: "dissident" }],
          categories: ["content.posts", "content.media"],
          documents: [{ name: "warrant.pdf", sha256 }],
        }),
      },
      { name: "warrant", filename: "warrant.pdf", contentType: "application/pdf", content: pdf },
    ]);
    const since = await lastAuditId(desk);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officerA.headers, "content-type": body.contentType },
      payload: body.payload,
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const stored = await desk.db
      .selectFrom("request_document")
      .select(["sha256", "size_bytes", "media_type"])
      .where("request_id", "=", id)
      .execute();
    expect(stored).toEqual([{ sha256, size_bytes: pdf.length, media_type: "application/pdf" }]);
    const downloaded = await get(`/api/v1/requests/${id}/documents/0`, counsel);
    expect(downloaded.headers["x-content-sha256"]).toBe(sha256);

    const decision = await decisionOf(id);
    expect(decision.needsReview).toBe(true);
    for (const to of ["verifying", "under_review"]) {
      const moved = await post(`/api/v1/requests/${id}/advance`, intake, { to, note: "document received" });
      expect(moved.statusCode, moved.body).toBe(200);
    }
    // Counsel alone cannot approve: not without a recommendation, nor on their own recommendation.
    expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );
    const own = await post(`/api/v1/requests/${id}/reviews`, counsel, {
      verdict: "recommend_approve",
      checklist: CHECKLIST_MET,
    });
    expect(own.statusCode, own.body).toBe(200);
    expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );
    expect(await statusOf(id)).toBe("under_review");

    const rejected = await post(`/api/v1/requests/${id}/reviews`, counsel, {
      verdict: "reject",
      note: "the warrant's seal and docket number do not exist",
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ status: "rejected" });
    expect(await statusOf(id)).toBe("rejected");
    expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );

    const received = await auditSince(desk, since, "request.received");
    expect(received.map((r) => r.object_id)).toEqual([id]);
    const transitions = await auditSince(desk, since, "request.transitioned");
    expect(transitions.at(-1)).toMatchObject({ object_id: id, payload: expect.objectContaining({ to: "rejected" }) });
    const reviews = await auditSince(desk, since, "request.reviewed");
    expect(reviews.map((r) => r.payload.verdict)).toEqual(["recommend_approve", "reject"]);
    await expectNotDisclosed(id);
  });

  it("5. a request from a paused jurisdiction is held: decision hold, it cannot be moved on, reviewed or approved", async () => {
    const since = await lastAuditId(desk);
    // GB is paused here by an admin (an officer files only under their own agency's jurisdiction).
    const paused = await post("/api/v1/jurisdictions/GB/pause", admin, { reason: "human-rights assessment" });
    expect(paused.statusCode, paused.body).toBe(200);
    const gb = await submit(officerB, {
      jurisdiction: "GB",
      process: "search_warrant",
      targets: [{ type: "username", value: "activist" }],
      categories: ["subscriber.phone", "content.posts"],
    });
    for (const { id, status, outcome } of [gb]) {
      expect(status).toBe("on_hold");
      expect(outcome).toBe("hold");
      const decision = await decisionOf(id);
      expect(decision.outcome).toBe("hold");
      expect(decision.items.every((item) => item.action === "hold")).toBe(true);
      expectProblem(
        await post(`/api/v1/requests/${id}/advance`, intake, { to: "verifying", note: "let it through" }),
        409,
      );
      expectProblem(
        await post(`/api/v1/requests/${id}/reviews`, reviewer, {
          verdict: "recommend_approve",
          checklist: CHECKLIST_MET,
        }),
        409,
      );
      expectProblem(
        await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
        409,
      );
      expect(await statusOf(id)).toBe("on_hold");
      await expectNotDisclosed(id);
    }
    const changed = await auditSince(desk, since, "jurisdiction.status_changed");
    expect(changed.map((r) => [r.object_id, r.payload.status])).toEqual([["GB", "paused"]]);
    const received = await auditSince(desk, since, "request.received");
    expect(received.map((r) => [r.object_id, r.payload.status])).toEqual([[gb.id, "on_hold"]]);
    const decided = await auditSince(desk, since, "request.decided");
    expect(decided.map((r) => r.payload.outcome)).toEqual(["hold"]);
    expect(await auditSince(desk, since, "request.reviewed")).toHaveLength(0);
    const resumed = await post("/api/v1/jurisdictions/GB/resume", admin, { reason: "assessment complete" });
    expect(resumed.statusCode, resumed.body).toBe(200);
    await expectNotDisclosed(gb.id);
  });

  it("6. a suspended officer's live session and live API token are refused at once", async () => {
    const officer = await makeOfficer(desk, "agent.brown@fbi.gov", desk.agencies.a);
    const session = await signInAs(desk, officer);
    const created = await post("/api/v1/tokens", session, {
      name: "case system",
      scopes: ["requests:read", "requests:write"],
    });
    expect(created.statusCode, created.body).toBe(201);
    const bearer = { authorization: `Bearer ${(created.json() as { token: string }).token}` };
    expect((await get("/api/v1/requests", session)).statusCode).toBe(200);
    expect((await get("/api/v1/requests", bearer)).statusCode).toBe(200);

    const since = await lastAuditId(desk);
    const suspended = await post(`/api/v1/users/${officer.userId}/suspend`, admin, { reason: "credentials phished" });
    expect(suspended.statusCode, suspended.body).toBe(204);

    expectProblem(await get("/api/v1/requests", session), 401);
    expectProblem(await get("/api/v1/session", session), 401);
    expectProblem(await get("/api/v1/requests", bearer), 401);
    const viaToken = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...bearer, "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
    });
    expectProblem(viaToken, 401);
    const viaCookie = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...session.headers, "content-type": "application/json" },
      payload: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
    });
    expectProblem(viaCookie, 401);
    // Signing in again does not help either.
    desk.clock.advance(31_000);
    expectProblem(
      await post("/api/v1/session", undefined, {
        email: officer.email,
        password: PASSWORD,
        code: currentTotpCode(officer.totpSecret, desk.clock.now()),
      }),
      401,
    );

    const submittedBy = await desk.db
      .selectFrom("request")
      .select("id")
      .where("submitted_by", "=", officer.userId)
      .execute();
    expect(submittedBy).toHaveLength(0);
    const live = await desk.db
      .selectFrom("user_session")
      .select("id_hash")
      .where("user_id", "=", officer.userId)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toHaveLength(0);
    const tokens = await desk.db
      .selectFrom("api_token")
      .select("revoked_at")
      .where("user_id", "=", officer.userId)
      .execute();
    expect(tokens.every((t) => t.revoked_at !== null)).toBe(true);

    const suspension = await auditSince(desk, since, "user.suspended");
    expect(suspension).toEqual([
      expect.objectContaining({ object_id: officer.userId, payload: { reason: "credentials phished" } }),
    ]);
    const refusals = await auditSince(desk, since, "session.refused");
    const mine = refusals.filter((r) => r.actor === officer.email);
    const cookie = mine.filter((r) => r.payload.via === "session");
    const token = mine.filter((r) => r.payload.via === "token");
    expect(cookie.length).toBeGreaterThanOrEqual(3);
    for (const r of cookie) {
      expect(r).toMatchObject({ object_type: "user", object_id: officer.userId });
      expect(r.payload.reason).toBe("session revoked (suspended: credentials phished)");
    }
    expect(token.length).toBeGreaterThanOrEqual(2);
    for (const r of token) {
      expect(r.object_type).toBe("token");
      expect(r.payload.reason).toBe("token revoked");
    }
    // And the fresh sign-in attempt, refused by the account's state.
    expect(mine.filter((r) => r.payload.reason === "account is suspended")).toHaveLength(1);
  });

  it("7. an officer of agency A cannot read agency B's request, document, decision or timeline", async () => {
    const secret = "+447700900123";
    const pdf = Buffer.from("%PDF-1.4\nProduction order, Metropolitan Police\n%%EOF\n");
    const body = multipart([
      {
        name: "request",
        value: requestDocument({
          jurisdiction: "GB",
          process: "court_order",
          reference: `MET-SECRET-${randomUUID()}`,
          targets: [{ type: "phone", value: secret }],
          categories: ["subscriber.phone"],
        }),
      },
      { name: "order", filename: "order.pdf", contentType: "application/pdf", content: pdf },
    ]);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officerB.headers, "content-type": body.contentType },
      payload: body.payload,
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const reference = (
      await desk.db.selectFrom("request").select("reference").where("id", "=", id).executeTakeFirstOrThrow()
    ).reference;
    expect((await get(`/api/v1/requests/${id}/documents/0`, officerB)).statusCode).toBe(200);

    const since = await lastAuditId(desk);
    const missing = randomUUID();
    const same = (response: LightMyRequestResponse) => {
      const { instance: _instance, ...rest } = response.json() as Record<string, unknown>;
      return { status: response.statusCode, body: JSON.stringify(rest).replaceAll(id, "ID").replaceAll(missing, "ID") };
    };
    for (const path of ["", "/documents/0", "/timeline"]) {
      const foreign = await get(`/api/v1/requests/${id}${path}`, officerA);
      const nothing = await get(`/api/v1/requests/${missing}${path}`, officerA);
      expect(isProblem(foreign), path).toBe(true);
      expect([403, 404], path).toContain(foreign.statusCode);
      expect(same(foreign), path).toEqual(same(nothing));
      for (const leaked of [secret, reference, "Metropolitan", "order.pdf", "%PDF"]) {
        expect(foreign.body, `${path} leaks ${leaked}`).not.toContain(leaked);
      }
    }
    // The request and its decision: a 404, exactly as for an id that does not exist.
    expect((await get(`/api/v1/requests/${id}`, officerA)).statusCode).toBe(404);
    // Nor can it be withdrawn from the other agency, nor found in a list filtered by the other agency.
    const withdraw = await post(`/api/v1/requests/${id}/withdraw`, officerA, { reason: "mine now" });
    expectProblem(withdraw, 404);
    const listed = await get(`/api/v1/requests?agencyId=${desk.agencies.b}&limit=200`, officerA);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.body).not.toContain(id);
    expect(listed.body).not.toContain(secret);
    expect(await statusOf(id)).toBe("received");
    await expectNotDisclosed(id);

    const refusals = await auditSince(desk, since, "security.refused");
    const onRequest = refusals.filter((r) => r.object_id === id);
    expect(onRequest.length).toBeGreaterThanOrEqual(3);
    for (const r of onRequest) expect(r.actor).toBe(desk.accounts.officerA.email);
  });

  it("8. a stolen password without the second factor, or with a spent code, opens nothing", async () => {
    const account = desk.accounts.officerA;
    const since = await lastAuditId(desk);
    const attempt = (code: string | undefined) =>
      post("/api/v1/session", undefined, {
        email: account.email,
        password: PASSWORD,
        ...(code === undefined ? {} : { code }),
      });
    expectProblem(await attempt(undefined), 400);
    desk.clock.advance(31_000);
    const current = currentTotpCode(account.totpSecret, desk.clock.now());
    const wrong = current === "000000" ? "000001" : "000000";
    const guessed = await attempt(wrong);
    expectProblem(guessed, 401);
    expect(guessed.cookies).toHaveLength(0);
    // The officer signs in; the attacker, watching over the shoulder, replays the same code.
    const used = await attempt(current);
    expect(used.statusCode, used.body).toBe(200);
    const replayed = await attempt(current);
    expectProblem(replayed, 401);
    expect(replayed.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    expect(replayed.body).not.toMatch(/csrf/i);

    const refusals = await auditSince(desk, since, "session.refused");
    expect(refusals.map((r) => r.payload.reason)).toEqual([
      "wrong or reused second-factor code",
      "wrong or reused second-factor code",
    ]);
    for (const r of refusals) expect(r.object_id).toBe(account.userId);
    expect(await auditSince(desk, since, "session.created")).toHaveLength(1);
  });

  it("9. the same document replayed by another officer is refused as a replay", async () => {
    const pdf = Buffer.from(`%PDF-1.4\nSubpoena ${randomUUID()}\n%%EOF\n`);
    const sha256 = createHash("sha256").update(pdf).digest("hex");
    const upload = (session: Session) => {
      const body = multipart([
        {
          name: "request",
          value: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
        },
        { name: "subpoena", filename: "subpoena.pdf", contentType: "application/pdf", content: pdf },
      ]);
      return desk.app.inject({
        method: "POST",
        url: "/api/v1/requests",
        headers: { ...session.headers, "content-type": body.contentType },
        payload: body.payload,
      });
    };
    const first = await upload(officerA);
    expect(first.statusCode, first.body).toBe(201);
    const { id } = first.json() as { id: string };
    const before = await desk.db.selectFrom("request").select("id").execute();
    const since = await lastAuditId(desk);
    const replay = await upload(officerB);
    const problem = expectProblem(replay, 409);
    expect(problem.detail).toMatch(/already submitted/);
    expect(replay.body).not.toContain(id);
    // Listing the hash alone, without the file, is the same replay.
    const listed = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officerB.headers, "content-type": "application/json" },
      payload: requestDocument({
        jurisdiction: "US",
        process: "subpoena",
        categories: ["subscriber.email"],
        documents: [{ name: "copy.pdf", sha256 }],
      }),
    });
    expectProblem(listed, 409);
    expect(await desk.db.selectFrom("request").select("id").execute()).toHaveLength(before.length);
    const refusals = await auditSince(desk, since, "security.refused");
    expect(refusals).toHaveLength(2);
    for (const r of refusals) {
      expect(r).toMatchObject({ actor: desk.accounts.officerB.email, object_type: "request", object_id: id });
      expect(r.payload.reason).toMatch(/replayed document/);
      expect(r.payload.sha256).toContain(sha256);
    }
    await expectNotDisclosed(id);
  });

  it("10. a flood of emergencies from one account flags it, and its requests need two distinct counsel", async () => {
    const limit = desk.config.emergency.floodLimit;
    expect(limit).toBe(3);
    const flooder = await makeOfficer(desk, "agent.flood@fbi.gov", desk.agencies.a);
    const session = await signInAs(desk, flooder);
    const since = await lastAuditId(desk);
    const ids: string[] = [];
    for (let i = 0; i <= limit; i++) {
      const { id } = await submit(session, {
        jurisdiction: "US",
        process: "emergency",
        emergency: { justification: `bomb threat number ${i}` },
        targets: [{ type: "phone", value: `+1202555${String(1000 + i)}` }],
        categories: ["subscriber.phone"],
      });
      ids.push(id);
      const flagged = await auditSince(desk, since, "user.flagged");
      expect(flagged, `after ${i + 1} emergencies`).toHaveLength(i < limit ? 0 : 1);
    }
    const flag = (await auditSince(desk, since, "user.flagged"))[0];
    expect(flag).toMatchObject({ object_id: flooder.userId, payload: expect.objectContaining({ limit }) });
    const users = await get("/api/v1/users", admin);
    const listedUser = (users.json() as { items: Array<{ id: string; flagged: string | null }> }).items.find(
      (u) => u.id === flooder.userId,
    );
    expect(listedUser?.flagged).toMatch(/emergency requests/);

    const id = ids.at(-1) as string;
    const called = await post(`/api/v1/requests/${id}/callback`, intake, { confirmed: true, note: "confirmed" });
    expect(called.statusCode, called.body).toBe(200);
    const recommended = await post(`/api/v1/requests/${id}/reviews`, reviewer, {
      verdict: "recommend_approve",
      checklist: CHECKLIST_MET,
    });
    expect(recommended.statusCode, recommended.body).toBe(200);
    const once = await post(`/api/v1/requests/${id}/reviews`, counsel, {
      verdict: "approve",
      checklist: CHECKLIST_MET,
    });
    expect(once.statusCode, once.body).toBe(200);
    expect(once.json()).toMatchObject({ status: "under_review" });
    expectProblem(
      await post(`/api/v1/requests/${id}/reviews`, counsel, { verdict: "approve", checklist: CHECKLIST_MET }),
      409,
    );
    expect(await statusOf(id)).toBe("under_review");
    await expectNotDisclosed(...ids);

    // A second, different counsel completes it: the rule is two people, not never. The new counsel's account
    // is proposed by one admin, made by a second, and set up by its owner through the link mailed to them.
    const made = await post("/api/v1/users", admin, {
      email: "counsel2@provider.example",
      displayName: "second counsel",
      role: "counsel",
    });
    expect(made.statusCode, made.body).toBe(202);
    expect(Object.keys(made.json() as object).sort()).toEqual(["id", "status"]);
    const approvedAccount = await post(
      `/api/v1/user-changes/${(made.json() as { id: string }).id}/approve`,
      await signInAs(desk, desk.admin2),
      {},
    );
    expect(approvedAccount.statusCode, approvedAccount.body).toBe(200);
    const counsel2 = (await signInAs(desk, await completeStaffSetup(desk, "counsel2@provider.example"))).headers;
    const twice = await post(`/api/v1/requests/${id}/reviews`, counsel2, {
      verdict: "approve",
      checklist: CHECKLIST_MET,
    });
    expect(twice.statusCode, twice.body).toBe(200);
    expect(twice.json()).toMatchObject({ status: "approved" });
    const approvals = (await auditSince(desk, since, "request.reviewed")).filter(
      (r) => r.object_id === id && r.payload.verdict === "approve",
    );
    expect(new Set(approvals.map((r) => r.actor))).toEqual(
      new Set([desk.accounts.counsel.email, "counsel2@provider.example"]),
    );
  });

  it("a cookie-authenticated write without the CSRF header is refused", async () => {
    const before = await desk.db.selectFrom("request").select("id").execute();
    const cookieOnly = { cookie: officerA.headers.cookie as string };
    for (const headers of [
      cookieOnly,
      { ...cookieOnly, [CSRF_HEADER]: "forged" },
      { ...cookieOnly, [CSRF_HEADER]: "" },
    ]) {
      const response = await desk.app.inject({
        method: "POST",
        url: "/api/v1/requests",
        headers: { ...headers, "content-type": "application/json" },
        payload: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
      });
      expectProblem(response, 403);
    }
    const token = await desk.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: { ...cookieOnly, "content-type": "application/json" },
      payload: { name: "x", scopes: ["requests:read"] },
    });
    expectProblem(token, 403);
    expect(await desk.db.selectFrom("request").select("id").execute()).toHaveLength(before.length);
    // Reads need no CSRF token.
    expect((await get("/api/v1/requests", cookieOnly)).statusCode).toBe(200);
  });

  it("11. a padded, upper-cased or lookalike address shares one sign-in counter between the page and the API", async () => {
    const account = desk.accounts.auditor;
    const plain = account.email;
    const since = await lastAuditId(desk);
    const page = (email: string) =>
      desk.app.inject({
        method: "POST",
        url: "/signin",
        remoteAddress: nextAddress(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ email, password: "a guessed password", code: "123456" }).toString(),
      });
    const api = (email: string, password = "a guessed password") => {
      desk.clock.advance(31_000);
      return post("/api/v1/session", undefined, {
        email,
        password,
        code: currentTotpCode(account.totpSecret, desk.clock.now()),
      });
    };
    const padded = `${" ".repeat(7)}${plain}`;
    const upper = plain.toUpperCase();
    const cyrillic = plain.replace("a", "\u0430");
    const fullWidth = [...plain]
      .map((c) => (/[a-z]/.test(c) ? String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0) : c))
      .join("");
    // Invisible characters, no-break spaces and a Greek omicron drawn like "o" change nothing either.
    const zeroWidth = plain.replace("@", "\u200b@\u2060");
    const noBreakPadded = `\u00a0${plain}\u3000`;
    const greek = plain.replace("o", "\u03bf");
    expect(new Set([zeroWidth, noBreakPadded, greek, plain]).size).toBe(4);
    // Ten guesses, each from a new address, spread over every spelling and both doors.
    for (const email of [padded, upper, cyrillic, fullWidth, zeroWidth, noBreakPadded, greek]) {
      expect((await page(email)).statusCode, email).toBe(401);
    }
    for (const email of [plain, upper, plain]) expectProblem(await api(email), 401);
    // The eleventh try is refused before the password is looked at, even the right password and code.
    expectProblem(await api(plain, PASSWORD), 429);
    expect((await page(` ${upper}`)).statusCode).toBe(429);
    expect(await auditSince(desk, since, "session.created")).toHaveLength(0);
    const limited = (await auditSince(desk, since, "security.refused")).filter((r) =>
      String(r.payload.reason).includes("tries"),
    );
    expect(limited).toHaveLength(2);
    // Another person's counter is their own.
    desk.clock.advance(31_000);
    expect((await signInAs(desk, desk.accounts.reviewer)).headers.cookie).toBeTruthy();
  });

  it("12. a call-back dials the number on file when the request arrived; a number changed since waits for counsel", async () => {
    const { id } = await submit(officerA, {
      jurisdiction: "US",
      process: "emergency",
      emergency: { justification: "a hostage; minutes count", verified: false },
      targets: [{ type: "phone", value: "+12025550142" }],
      categories: ["subscriber.phone"],
    });
    // An officer of the Met registers while the Met's old number is on file.
    const pendingEmail = "dc.newcomer@met.police.uk";
    const { userId: pendingId } = await registerOfficer(
      desk.db,
      { email: pendingEmail, displayName: "DC Newcomer", password: PASSWORD },
      desk.config.publicUrl,
      desk.clock.now(),
    );
    const token = await confirmationToken(desk.db, pendingEmail);
    const { totpSecret } = await confirmEmail(desk.db, token, desk.clock.now());
    await enrolTotp(desk.db, token, currentTotpCode(totpSecret, desk.clock.now()), desk.clock.now());

    // Then both agencies' phones change (two admins, as they must); the attacker's number is now on file.
    const attacker = "+15555550177";
    const admin2 = await desk.db
      .selectFrom("app_user")
      .select(["id", "email"])
      .where("email", "=", "admin2@provider.example")
      .executeTakeFirstOrThrow();
    for (const [agencyId, phone] of [
      [desk.agencies.a, attacker],
      [desk.agencies.b, "+442079460000"],
    ] as const) {
      desk.clock.advance(1000);
      const change = await proposeAgencyChange(
        desk.db,
        principalOf(desk.accounts.admin),
        agencyId,
        { kind: "set_phone", value: phone },
        desk.clock.now(),
      );
      await decideAgencyChange(
        desk.db,
        { ...principalOf(desk.accounts.admin), userId: admin2.id, email: admin2.email },
        change,
        true,
        desk.clock.now(),
      );
    }
    const since = await lastAuditId(desk);

    const shown = await get(`/api/v1/requests/${id}/callback-number`, intake);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toMatchObject({
      numberOnRecord: FBI_PHONE,
      numberOnFile: attacker,
      changed: true,
      review: null,
      dial: null,
    });
    const page = await desk.app.inject({ method: "GET", url: `/desk/requests/${id}`, headers: intake.headers });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Changed since");
    expect(page.body).toContain(FBI_PHONE);
    expect(page.body).not.toContain(`action="/desk/requests/${id}/callback"`);

    // No call-back while the change is unreviewed; the refusal is on the request's trail.
    const refused = expectProblem(
      await post(`/api/v1/requests/${id}/callback`, intake, { confirmed: true, note: "x" }),
      409,
    );
    expect(refused.detail).toMatch(/changed/);
    // Neither the admin nor the caller may decide which number is dialled.
    for (const who of [admin, intake, reviewer]) {
      expectProblem(
        await post(`/api/v1/requests/${id}/callback-number/review`, who, { dial: "on_file", note: "fine" }),
        403,
      );
    }
    expectProblem(await post(`/api/v1/users/${pendingId}/activate`, intake, { confirmed: true, note: "x" }), 409);
    const users = (await get("/api/v1/users?status=pending", intake)).json() as {
      items: Array<{ id: string; callback: { numberOnRecord: string; changed: boolean; dial: string | null } }>;
    };
    expect(users.items.find((u) => u.id === pendingId)?.callback).toMatchObject({
      numberOnRecord: "+442072301212",
      changed: true,
      dial: null,
    });
    expect(
      await desk.db.selectFrom("callback").select("id").where("subject_id", "in", [id, pendingId]).execute(),
    ).toEqual([]);
    const refusals = (await auditSince(desk, since, "security.refused")).filter(
      (r) => r.payload.attempted === "callback",
    );
    expect(refusals.map((r) => r.object_id).sort()).toEqual([id, pendingId].sort());
    for (const r of refusals) expect(String(r.payload.reason)).toMatch(/changed/);

    // Counsel looks: the emergency is called on the number on record, the officer's agency on its new one.
    const reviewed = await post(`/api/v1/requests/${id}/callback-number/review`, counsel, {
      dial: "on_record",
      note: "the change came a minute after the request; the FBI's switchboard is the number on record",
    });
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    expect(reviewed.json()).toMatchObject({ changed: true, dial: FBI_PHONE, review: { dial: "on_record" } });
    const officerReviewed = await post(`/api/v1/users/${pendingId}/callback-number/review`, counsel, {
      dial: "on_file",
      note: "the Met's move to a new switchboard is published on its own site",
    });
    expect(officerReviewed.statusCode, officerReviewed.body).toBe(200);
    const called = await post(`/api/v1/requests/${id}/callback`, intake, { confirmed: false, note: "no answer yet" });
    expect(called.statusCode, called.body).toBe(200);
    expect(called.json()).toMatchObject({ calledNumber: FBI_PHONE });
    const activated = await post(`/api/v1/users/${pendingId}/activate`, intake, { confirmed: true, note: "DS Clark" });
    expect(activated.statusCode, activated.body).toBe(200);
    const dialled = await desk.db
      .selectFrom("callback")
      .select(["subject_id", "called_number"])
      .where("subject_id", "in", [id, pendingId])
      .execute();
    expect(new Map(dialled.map((c) => [c.subject_id, c.called_number]))).toEqual(
      new Map([
        [id, FBI_PHONE],
        [pendingId, "+442079460000"],
      ]),
    );
    expect((await auditSince(desk, since, "callback.number_reviewed")).map((r) => r.actor)).toEqual([
      desk.accounts.counsel.email,
      desk.accounts.counsel.email,
    ]);
    // A number changed again needs another look.
    desk.clock.advance(1000);
    const again = await proposeAgencyChange(
      desk.db,
      principalOf(desk.accounts.admin),
      desk.agencies.a,
      { kind: "set_phone", value: "+15555550178" },
      desk.clock.now(),
    );
    await decideAgencyChange(
      desk.db,
      { ...principalOf(desk.accounts.admin), userId: admin2.id, email: admin2.email },
      again,
      true,
      desk.clock.now(),
    );
    expect((await get(`/api/v1/requests/${id}/callback-number`, intake)).json()).toMatchObject({ dial: null });
    expectProblem(await post(`/api/v1/requests/${id}/callback`, intake, { confirmed: true, note: "x" }), 409);
    await expectNotDisclosed(id);
  });

  it("13. one admin, alone, with every API and page at hand, cannot change what a call-back dials nor approve anything", async () => {
    const phones = async () =>
      new Map(
        (
          (await get("/api/v1/agencies", intake)).json() as { items: Array<{ id: string; phoneOnFile: string }> }
        ).items.map((a) => [a.id, a.phoneOnFile]),
      );
    const phonesBefore = await phones();
    const users = async () =>
      (await desk.db.selectFrom("app_user").select(["id", "status"]).orderBy("id").execute()).map(
        (u) => `${u.id}:${u.status}`,
      );
    const usersBefore = await users();
    const { id: pending } = (await submit(officerA, {
      jurisdiction: "US",
      process: "emergency",
      emergency: { justification: "a missing child", verified: false },
      targets: [{ type: "phone", value: "+12025550143" }],
      categories: ["subscriber.phone"],
    })) as { id: string };
    const dialsBefore = (await get(`/api/v1/requests/${pending}/callback-number`, intake)).json() as {
      numberOnRecord: string;
    };
    const since = await lastAuditId(desk);
    const page = await desk.signInPage(desk.accounts.admin);
    const pagePost = (url: string, fields: Record<string, string>) =>
      desk.app.inject({
        method: "POST",
        url,
        remoteAddress: nextAddress(),
        headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: page.csrf, ...fields }).toString(),
      });

    // The attacker's number and domain, proposed through the API and the page, approved through neither.
    const viaApi = await post(`/api/v1/agencies/${desk.agencies.a}/changes`, admin, {
      kind: "set_phone",
      value: "+15555550199",
    });
    expect(viaApi.statusCode, viaApi.body).toBe(201);
    expect(
      (
        await pagePost("/admin/agencies/changes", {
          agencyId: desk.agencies.a,
          kind: "add_domain",
          value: "fbi-mail.example",
        })
      ).statusCode,
    ).toBe(303);
    const agencyChanges = (
      await desk.db.selectFrom("agency_change").select("id").where("status", "=", "pending").execute()
    ).map((c) => c.id);
    expect(agencyChanges.length).toBeGreaterThanOrEqual(2);
    // A new account of every staff role: none of the answers carries a secret, and none can be approved alone.
    const proposals: string[] = [];
    for (const role of ["admin", "counsel", "reviewer", "intake", "auditor"]) {
      const made = await post("/api/v1/users", admin, {
        email: `lone.${role}@provider.example`,
        displayName: role,
        role,
      });
      expect(made.statusCode, made.body).toBe(202);
      expect(made.body).not.toMatch(/password|totp|secret|setup/i);
      proposals.push((made.json() as { id: string }).id);
    }
    for (const id of agencyChanges) {
      expectProblem(await post(`/api/v1/agency-changes/${id}/approve`, admin, {}), 409);
      expect((await pagePost(`/admin/agency-changes/${id}/decide`, { decision: "approve" })).statusCode).toBe(409);
    }
    for (const id of proposals) {
      expectProblem(await post(`/api/v1/user-changes/${id}/approve`, admin, {}), 409);
      expect((await pagePost(`/admin/user-changes/${id}/decide`, { decision: "approve" })).statusCode).toBe(409);
    }
    // Nor what decides a call-back or a disclosure.
    expectProblem(
      await post(`/api/v1/requests/${pending}/callback-number/review`, admin, { dial: "on_file", note: "trust me" }),
      403,
    );
    expectProblem(await post(`/api/v1/requests/${pending}/callback`, admin, { confirmed: true, note: "called" }), 403);
    expectProblem(await post(`/api/v1/requests/${pending}/reviews`, admin, { verdict: "approve" }), 403);

    expect(await phones()).toEqual(phonesBefore);
    expect((await get(`/api/v1/requests/${pending}/callback-number`, intake)).json()).toMatchObject(dialsBefore);
    expect(await users()).toEqual(usersBefore);
    expect(
      await desk.db.selectFrom("mail_outbox").select("id").where("purpose", "=", "staff.setup").execute(),
    ).toHaveLength(1);
    for (const action of ["agency.change_applied", "user.change_applied", "user.created", "callback.number_reviewed"]) {
      expect(await auditSince(desk, since, action), action).toEqual([]);
    }
    const refused = await auditSince(desk, since, "security.refused");
    for (const id of [...agencyChanges, ...proposals]) {
      expect(
        refused.filter((r) => r.object_id === id && r.actor === desk.accounts.admin.email),
        id,
      ).toHaveLength(2);
    }
    await expectNotDisclosed(pending);
  });

  it("nothing the attacks touched was disclosed", async () => {
    const released = await desk.db
      .selectFrom("request as r")
      .innerJoin("app_user as u", "u.id", "r.submitted_by")
      .select(["r.id", "r.status", "u.email"])
      .where("r.status", "in", DISCLOSED as never)
      .execute();
    // Only the flooded emergency, after a call-back, a recommendation and two different counsel.
    expect(released.map((r) => [r.email, r.status])).toEqual([["agent.flood@fbi.gov", "approved"]]);
  });
});
