/**
 * Replies to authorities through the API and the portal, on each driver (docs/regimes.md#replies-to-authorities):
 * the desk acknowledges a French prosecutor's EPOC and asks for a clarification on Annex III, which stops
 * the answer clock; the prosecutor's officer answers and the deadline moves by exactly the time waited.
 * Every message is audited, renders as JSON and PDF, and another agency is told the request does not exist.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../src/audit/canonical.js";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy } from "./support/fixtures.js";
import { type Account, type Desk, foreignOfficer, openDesk, type Session } from "./support/http.js";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
// biome-ignore lint/suspicious/noExplicitAny: responses are read as raw JSON, as a client reads them.
type Json = Record<string, any>;
const DAY = 86_400_000;

describe.each(DRIVERS)("replies to authorities on %s", (driver) => {
  let desk: Desk;
  let officer: Account;
  let epocId: string;

  beforeAll(async () => {
    desk = await openDesk(driver);
    await activateExamplePolicy(desk.db, read("policies/presets/eu-mail.yaml"));
    officer = await foreignOfficer(desk, "FR", "justice.gouv.fr", "j3@justice.gouv.fr");
  });
  afterAll(async () => {
    await desk?.close();
  });

  // Sessions end as the fake clock runs on for days, and sign-ins are rate-limited: a session is kept for an
  // hour of the fake clock, then made afresh (a sign-in moves the clock 31 s).
  const sessions = new Map<string, { session: Session; at: number }>();
  const as = async (account: Account) => {
    const now = desk.clock.now().getTime();
    const kept = sessions.get(account.email);
    if (kept && now - kept.at < 3_600_000) return kept.session;
    const session = await desk.signIn(account);
    sessions.set(account.email, { session, at: desk.clock.now().getTime() });
    return session;
  };
  const reviewer = () => as(desk.accounts.reviewer);
  const call = async (method: "GET" | "POST", url: string, session: Session, body?: unknown) => {
    const response = await desk.app.inject({
      method,
      url,
      headers: { ...session.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return {
      status: response.statusCode,
      body: response.body,
      headers: response.headers,
      json: () => response.json() as Json,
    };
  };
  const deadlineOf = async (id: string) =>
    (
      await desk.db.selectFrom("request").select("deadline_at").where("id", "=", id).executeTakeFirstOrThrow()
    ).deadline_at?.getTime();
  const events = (id: string, action: string) =>
    desk.db
      .selectFrom("audit_event")
      .select(["actor", "payload", "occurred_at"])
      .where("object_id", "=", id)
      .where("action", "=", action)
      .orderBy("id")
      .execute();

  it("acknowledges the EPOC and asks a clarification on Annex III, which stops the clock until the officer answers", async () => {
    const own = await as(officer);
    const submitted = await call(
      "POST",
      "/api/v1/requests",
      own,
      JSON.parse(read("examples/requests/eu-epoc-prosecutor.json")),
    );
    expect(submitted.status, submitted.body).toBe(201);
    epocId = submitted.json().id;
    const deadline = await deadlineOf(epocId);
    const messages = `/api/v1/requests/${epocId}/messages`;

    const ack = await call("POST", messages, await reviewer(), { kind: "acknowledgement" });
    expect(ack.status, ack.body).toBe(201);
    expect(ack.json()).toMatchObject({
      sequence: 1,
      direction: "outbound",
      kind: "acknowledgement",
      awaitsAnswer: false,
    });
    const kept = await call("POST", messages, await reviewer(), { kind: "preservation_acknowledgement" });
    expect(kept.status, kept.body).toBe(201);
    expect(kept.json().form.holds).toEqual([expect.objectContaining({ status: "active" })]);

    desk.clock.advance(3_600_000);
    const asked = await call("POST", messages, await reviewer(), {
      kind: "annex_iii",
      purpose: "clarification",
      reasons: [{ code: "insufficient_information", explanation: "the IP address's moment is ambiguous" }],
      question: "Is 21:41:09 Paris time the start of the session or its last activity?",
    });
    expect(asked.status, asked.body).toBe(201);
    const question = asked.json();
    const askedAt = Date.parse(question.sentAt);
    expect(question).toMatchObject({ sequence: 3, kind: "annex_iii", awaitsAnswer: true, answeredAt: null });
    // The staff's reason first, then what the decision in force says: traffic and content refused by Art. 4(2).
    expect(question.form.reasons.map((r: Json) => r.code)).toEqual([
      "insufficient_information",
      "not_competent_authority",
    ]);
    expect(question.form.reasons[1].explanation).toContain("Art. 4(2)");
    expect(question.form.reasons[1].items.map((i: Json) => i.category).sort()).toEqual([
      "content.messages",
      "content.messages",
      "records.connections",
      "records.connections",
    ]);
    expect(question.form).toMatchObject({ dataPreserved: true, clockPaused: true });
    expect(question.sha256).toBe(sha256Hex(canonicalJson(question.form)));

    // A second question while the first waits would be a second pause of one clock.
    const again = await call("POST", messages, await reviewer(), {
      kind: "annex_iii",
      purpose: "clarification",
      question: "And?",
    });
    expect(again.status).toBe(409);

    const seen = await call("GET", messages, await as(officer));
    expect(seen.status).toBe(200);
    expect(seen.json().clock).toEqual({
      deadlineAt: new Date(deadline as number).toISOString(),
      pausedSince: new Date(askedAt).toISOString(),
    });

    // Two days pass before the prosecutor's office answers.
    desk.clock.advance(2 * DAY);
    const staffAnswer = await call("POST", `${messages}/${question.id}/answer`, await reviewer(), {
      answer: "not mine to give",
    });
    expect(staffAnswer.status).toBe(403);
    const answered = await call("POST", `${messages}/${question.id}/answer`, await as(officer), {
      answer: "The start of the session.",
    });
    expect(answered.status, answered.body).toBe(201);
    expect(answered.json()).toMatchObject({
      sequence: 4,
      direction: "inbound",
      kind: "clarification_answer",
      inReplyTo: question.id,
    });
    const waited = Date.parse(answered.json().sentAt) - askedAt;
    expect(await deadlineOf(epocId)).toBe((deadline as number) + waited);
    const twice = await call("POST", `${messages}/${question.id}/answer`, await as(officer), {
      answer: "again",
    });
    expect(twice.status).toBe(409);

    const thread = (await call("GET", messages, await reviewer())).json();
    expect(thread.clock.pausedSince).toBeNull();
    expect(thread.items.map((m: Json) => m.kind)).toEqual([
      "acknowledgement",
      "preservation_acknowledgement",
      "annex_iii",
      "clarification_answer",
    ]);
    expect(thread.items[2].answeredAt).toBe(answered.json().sentAt);
    // The reminder moved with the deadline: 3 days before it.
    const reminder = await desk.db
      .selectFrom("job")
      .select("run_at")
      .where("dedupe_key", "=", `deadline:${epocId}`)
      .executeTakeFirstOrThrow();
    expect(reminder.run_at.getTime()).toBe((deadline as number) + waited - 3 * DAY);

    // Every message audited in its transaction, the answer with the pause and the moved deadline.
    const sent = await events(epocId, "request.message_sent");
    expect(sent.map((e) => [e.actor, (e.payload as Json).kind, (e.payload as Json).clockPaused])).toEqual([
      [desk.accounts.reviewer.email, "acknowledgement", false],
      [desk.accounts.reviewer.email, "preservation_acknowledgement", false],
      [desk.accounts.reviewer.email, "annex_iii", true],
    ]);
    const received = await events(epocId, "request.message_received");
    expect(received).toHaveLength(1);
    expect(received[0]?.actor).toBe(officer.email);
    expect(received[0]?.payload).toMatchObject({
      inReplyTo: 3,
      pausedAt: new Date(askedAt).toISOString(),
      deadlineAt: new Date((deadline as number) + waited).toISOString(),
    });
    expect((received[0]?.payload as Json | undefined)?.clock).toContain("waiting on the authority");
  });

  it("renders each form as a PDF carrying the form's SHA-256, and as JSON", async () => {
    const thread = (await call("GET", `/api/v1/requests/${epocId}/messages`, await reviewer())).json();
    const annex = thread.items[2] as Json;
    const json = await call("GET", `/api/v1/requests/${epocId}/messages/${annex.id}`, await as(officer));
    expect(json.status).toBe(200);
    expect(json.json().form).toEqual(annex.form);
    const pdf = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${epocId}/messages/${annex.id}/pdf`,
      headers: (await as(officer)).headers,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["x-content-sha256"]).toBe(annex.sha256);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.rawPayload.length).toBeGreaterThan(1000);
  });

  it("another agency's officer is told the request does not exist, and the attempt is audited", async () => {
    const stranger = await as(desk.accounts.officerA);
    const before = (await events(epocId, "security.refused")).length;
    const list = await call("GET", `/api/v1/requests/${epocId}/messages`, stranger);
    expect(list.status).toBe(404);
    const thread = (await call("GET", `/api/v1/requests/${epocId}/messages`, await reviewer())).json();
    const pdf = await call("GET", `/api/v1/requests/${epocId}/messages/${thread.items[0].id}/pdf`, stranger);
    expect(pdf.status).toBe(404);
    const answer = await call("POST", `/api/v1/requests/${epocId}/messages/${thread.items[2].id}/answer`, stranger, {
      answer: "let me in",
    });
    expect(answer.status).toBe(404);
    const refused = await events(epocId, "security.refused");
    expect(refused.length - before).toBe(3);
    expect(refused.at(-1)?.actor).toBe(desk.accounts.officerA.email);
    expect(await events(epocId, "request.message_received")).toHaveLength(1);
  });

  it("the portal shows the thread and answers a clarification through its form", async () => {
    const asked = await call("POST", `/api/v1/requests/${epocId}/messages`, await reviewer(), {
      kind: "annex_iii",
      purpose: "clarification",
      question: "Which of the two e-mail addresses is the suspect's?",
    });
    expect(asked.status, asked.body).toBe(201);
    const question = asked.json();
    const deadline = await deadlineOf(epocId);
    desk.clock.advance(DAY);
    const page = await desk.signInPage(officer);
    const shown = await desk.app.inject({
      method: "GET",
      url: `/portal/requests/${epocId}`,
      headers: { cookie: page.cookie },
    });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain("Correspondence");
    expect(shown.body).toContain("Which of the two e-mail addresses is the suspect");
    expect(shown.body).toContain("stands still");
    expect(shown.body).toContain(`/api/v1/requests/${epocId}/messages/${question.id}/pdf`);
    const action = `/portal/requests/${epocId}/messages/${question.id}/answer`;
    expect(shown.body).toContain(`action="${action}"`);
    const postedAt = desk.clock.now().getTime();
    const posted = await desk.app.inject({
      method: "POST",
      url: action,
      headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: page.csrf, answer: "k.morel@example.org" }).toString(),
    });
    expect(posted.statusCode, posted.body).toBe(303);
    expect(posted.headers.location).toBe(`/portal/requests/${epocId}?notice=answered#correspondence`);
    expect(await deadlineOf(epocId)).toBe((deadline as number) + postedAt - Date.parse(question.sentAt));
  });

  it('refuses forms that cannot be sent, naming the field; what is not held is "data not stored" on Annex III', async () => {
    const us = await call(
      "POST",
      "/api/v1/requests",
      await as(desk.accounts.officerA),
      JSON.parse(read("examples/requests/us-subpoena.json")),
    );
    expect(us.status, us.body).toBe(201);
    const messages = `/api/v1/requests/${us.json().id}/messages`;
    const cases: Array<[unknown, number, string]> = [
      [{ kind: "annex_iii", purpose: "clarification", reasons: [{ code: "incomplete" }] }, 400, "question"],
      [{ kind: "annex_iii", purpose: "inability_to_execute", reasons: [{ code: "lost" }] }, 400, "reasons[0].code"],
      [{ kind: "production_notice" }, 409, "no production"],
      [{ kind: "preservation_acknowledgement" }, 409, "no active preservation hold"],
      [{ kind: "notice" }, 400, "kind"],
    ];
    for (const [body, status, says] of cases) {
      const response = await call("POST", messages, await reviewer(), body);
      expect(response.status, response.body).toBe(status);
      expect(response.body).toContain(says);
    }
    const auditor = await as(desk.accounts.auditor);
    expect((await call("POST", messages, auditor, { kind: "acknowledgement" })).status).toBe(403);
    expect((await call("GET", messages, await reviewer())).json().items).toEqual([]);

    // What the policy says is not held (or end-to-end encrypted) is "data not stored" on Annex III by itself.
    const unable = await call("POST", messages, await reviewer(), {
      kind: "annex_iii",
      purpose: "inability_to_execute",
    });
    expect(unable.status, unable.body).toBe(201);
    const reasons = unable.json().form.reasons as Json[];
    expect(reasons.map((r) => r.code)).toEqual(["data_not_stored"]);
    expect(reasons[0]?.items).toEqual(
      expect.arrayContaining([{ target: "username:quietfox", category: "content.posts" }]),
    );
    expect(unable.json()).toMatchObject({ awaitsAnswer: false, form: { clockPaused: false, dataPreserved: false } });
  });

  it("a conflict-of-laws objection says whether it was made within 10 days of receipt (Art. 17(1))", async () => {
    const started = (
      await desk.db.selectFrom("request").select("clock_started_at").where("id", "=", epocId).executeTakeFirstOrThrow()
    ).clock_started_at as Date;
    const dueBy = new Date(started.getTime() + 10 * DAY).toISOString();
    const objection = { kind: "annex_iii", purpose: "inability_to_execute", reasons: [{ code: "third_country_law" }] };
    const early = await call("POST", `/api/v1/requests/${epocId}/messages`, await reviewer(), objection);
    expect(early.status, early.body).toBe(201);
    expect(early.json().form.objection).toEqual({ article: "Art. 17(1)", dueBy, inTime: true });
    desk.clock.advance(started.getTime() + 10 * DAY - desk.clock.now().getTime() + 1);
    const late = await call("POST", `/api/v1/requests/${epocId}/messages`, await reviewer(), objection);
    expect(late.status, late.body).toBe(201);
    expect(late.json().form.objection).toEqual({ article: "Art. 17(1)", dueBy, inTime: false });
  });
});
