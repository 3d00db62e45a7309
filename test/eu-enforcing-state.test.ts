/**
 * The enforcing State through the API, on each driver (docs/regimes.md#the-enforcing-state): a Spanish
 * investigating judge's EPOC for content, notified to Germany, is approved but waits; a production tried
 * meanwhile is refused and audited; the German authority refuses traffic and content data and only
 * subscriber data leave. Another order's "no ground" releases its wait early, and an objection recorded
 * after delivery says the data may not be used. Bad answers are refused naming the field, nothing stored.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fulfilRequest } from "../src/fulfilment/fulfilment.service.js";
import { seedMessengerStore } from "../src/fulfilment/sources/messenger.seed.js";
import { runDueJobs } from "../src/jobs/jobs.js";
import { configuredJobHandlers } from "../src/server/job-handlers.js";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy, CHECKLIST_MET } from "./support/fixtures.js";
import { type Account, type Desk, foreignOfficer, openDesk, type Session } from "./support/http.js";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
// biome-ignore lint/suspicious/noExplicitAny: responses are read as raw JSON, as a client reads them.
type Json = Record<string, any>;
const DAY = 86_400_000;

describe.each(DRIVERS)("an enforcing-State refusal on %s", (driver) => {
  let desk: Desk;
  let officer: Account;

  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_MASTER_KEY: Buffer.alloc(32, 5).toString("base64") });
    await activateExamplePolicy(desk.db, read("policies/presets/eu-mail.yaml"));
    await seedMessengerStore(desk.db, {
      accounts: 2,
      seed: 5,
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-06-30T00:00:00Z"),
    });
    officer = await foreignOfficer(desk, "ES", "guardiacivil.es", "j.ruiz@guardiacivil.es");
  }, 60_000);
  afterAll(async () => {
    await desk?.close();
  });

  const call = async (method: "GET" | "POST", url: string, session: Session, body?: unknown) => {
    const response = await desk.app.inject({
      method,
      url,
      headers: { ...session.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.body, json: () => response.json() as Json };
  };
  const as = (account: Account) => desk.signIn(account);
  const events = (id: string, action: string) =>
    desk.db
      .selectFrom("audit_event")
      .select(["actor", "payload"])
      .where("object_id", "=", id)
      .where("action", "=", action)
      .orderBy("id")
      .execute();
  const fulfilJob = (id: string) =>
    desk.db
      .selectFrom("job")
      .select(["status", "run_at"])
      .where("dedupe_key", "=", `fulfil:${id}`)
      .executeTakeFirstOrThrow();
  const runJobs = () =>
    runDueJobs(desk.db, configuredJobHandlers(desk.config), { workerId: "test", now: desk.clock.now });

  /** The judge's EPOC (examples/requests/eu-epoc-judge.json), notified to Germany now unless changed. */
  async function submit(reference: string, change: (doc: Json) => void = () => {}): Promise<string> {
    const doc = JSON.parse(read("examples/requests/eu-epoc-judge.json")) as Json;
    doc.reference = reference;
    doc.legalBasis.enforcingNotification.notifiedAt = desk.clock.now().toISOString();
    change(doc);
    const response = await call("POST", "/api/v1/requests", await as(officer), doc);
    expect(response.status, response.body).toBe(201);
    return response.json().id as string;
  }

  /** Intake verifies, a reviewer recommends and counsel approves: the approval queues fulfilment. */
  async function approve(id: string): Promise<void> {
    const advanced = await call("POST", `/api/v1/requests/${id}/advance`, await as(desk.accounts.intake), {
      to: "under_review",
      note: "the Audiencia Nacional's certificate checked",
    });
    expect(advanced.status, advanced.body).toBe(200);
    for (const [account, verdict] of [
      [desk.accounts.reviewer, "recommend_approve"],
      [desk.accounts.counsel, "approve"],
    ] as const) {
      const reviewed = await call("POST", `/api/v1/requests/${id}/reviews`, await as(account), {
        verdict,
        checklist: CHECKLIST_MET,
      });
      expect(reviewed.status, reviewed.body).toBe(200);
    }
  }

  /** What the sealed production's audit entry says left (its manifest) and what did not (notProduced). */
  const sealed = async (id: string) => {
    const production = await desk.db
      .selectFrom("production")
      .select("id")
      .where("request_id", "=", id)
      .executeTakeFirstOrThrow();
    const [seal] = await events(production.id, "production.sealed");
    return seal?.payload as Json;
  };
  const files = (payload: Json) =>
    (payload.manifest as Array<{ path: string }>)
      .map((f) => f.path)
      .filter((p) => p.endsWith(".json") && p.startsWith("data/") && p !== "data/summary.json");

  it("an emergency EPOC from intake to a delivered production inside its 8 hours, not suspended by the enforcing State", async () => {
    const before = desk.clock.now().getTime();
    const id = await submit("DP-391-2026-URGENT", (doc) => {
      doc.process = "emergency";
      doc.emergency = { justification: "an attack is planned for tonight" };
      doc.legalBasis.emergency = true;
    });
    const stored = await desk.db
      .selectFrom("request")
      .select(["deadline_at"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    // Eight hours from the moment it was taken in (between these two readings of the clock).
    const due = stored.deadline_at?.getTime() ?? 0;
    expect(due).toBeGreaterThanOrEqual(before + 8 * 3_600_000);
    expect(due).toBeLessThanOrEqual(desk.clock.now().getTime() + 8 * 3_600_000);
    // An hour later intake has called the agency back on its number on file.
    desk.clock.advance(3_600_000);
    const number = (await call("GET", `/api/v1/requests/${id}/callback-number`, await as(desk.accounts.intake))).json();
    expect(number.dial).toBeTruthy();
    const called = await call("POST", `/api/v1/requests/${id}/callback`, await as(desk.accounts.intake), {
      confirmed: true,
      note: "called the Guardia Civil's number on file; the officer confirmed the order",
    });
    expect(called.status, called.body).toBe(200);
    // The window for Germany's answer is 96 hours, but an emergency does not wait for it (Art. 10(4)).
    const state = (
      await call("GET", `/api/v1/requests/${id}/enforcing-state`, await as(desk.accounts.reviewer))
    ).json();
    expect(state.notification).toMatchObject({ emergency: true });
    expect(state.release.every((r: Json) => r.status !== "wait")).toBe(true);
    desk.clock.advance(3_600_000);
    // The call-back moved it to review; a reviewer recommends and counsel, who made no call, approves.
    for (const [account, verdict] of [
      [desk.accounts.reviewer, "recommend_approve"],
      [desk.accounts.counsel, "approve"],
    ] as const) {
      const reviewed = await call("POST", `/api/v1/requests/${id}/reviews`, await as(account), {
        verdict,
        checklist: CHECKLIST_MET,
      });
      expect(reviewed.status, reviewed.body).toBe(200);
    }
    expect((await fulfilJob(id)).run_at.getTime()).toBeLessThanOrEqual(desk.clock.now().getTime());
    expect((await runJobs()).failed).toBe(0);
    const done = await desk.db.selectFrom("request").select("status").where("id", "=", id).executeTakeFirstOrThrow();
    expect(done.status).toBe("delivered");
    const production = await desk.db
      .selectFrom("production")
      .select("sealed_at")
      .where("request_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(production.sealed_at?.getTime()).toBeLessThan(due);
    expect(files(await sealed(id))).toContain("data/content.messages.json");
  });

  it("an EPOC for content from intake: notified, waits, a production is refused, the refusal recorded, only subscriber data delivered", async () => {
    const notifiedAt = desk.clock.now();
    const id = await submit("DP-391-2026-A");
    const reviewer = await as(desk.accounts.reviewer);
    const state = await call("GET", `/api/v1/requests/${id}/enforcing-state`, reviewer);
    expect(state.status, state.body).toBe(200);
    expect(state.json()).toMatchObject({
      notificationNotRequired: false,
      notification: {
        enforcingState: "DE",
        notifiedAt: notifiedAt.toISOString(),
        windowClosesAt: new Date(notifiedAt.getTime() + 10 * DAY).toISOString(),
        emergency: false,
      },
      answers: [],
      release: [
        { category: "traffic", status: "wait" },
        { category: "content", status: "wait" },
      ],
    });
    expect(await events(id, "request.enforcing_notified")).toMatchObject([
      { payload: { enforcingState: "DE", from: "document", basis: expect.stringContaining("Art. 12(1)") } },
    ]);

    await approve(id);
    // Queued for the moment the window has closed, not now.
    expect((await fulfilJob(id)).run_at.getTime()).toBe(notifiedAt.getTime() + 10 * DAY + 1);
    expect((await runJobs()).ran).toBe(0);

    // Fulfilment tried by hand (`custodian fulfil`) is refused, and the refusal is on the request's timeline.
    await expect(
      fulfilRequest(desk.db, {
        requestId: id,
        actor: "counsel@provider.example",
        settings: { ...desk.config.fulfilment, publicUrl: desk.config.publicUrl },
        now: desk.clock.now,
      }),
    ).rejects.toThrow(/wait for the enforcing authority of DE until .*Art\. 10\(2\)/);
    expect(await events(id, "production.refused")).toMatchObject([
      {
        actor: "counsel@provider.example",
        payload: { reason: expect.stringContaining("content"), waitsUntil: expect.any(String) },
      },
    ]);
    expect(await desk.db.selectFrom("production").select("id").where("request_id", "=", id).execute()).toEqual([]);

    // Two days later Germany refuses on press freedom; staff record it.
    desk.clock.advance(2 * DAY);
    const answeredAt = desk.clock.now().toISOString();
    const refused = await call(
      "POST",
      `/api/v1/requests/${id}/enforcing-state/answers`,
      await as(desk.accounts.counsel),
      {
        kind: "refusal",
        grounds: ["press_freedom"],
        answeredAt,
        note: "the Bundesamt für Justiz, by e-mail",
      },
    );
    expect(refused.status, refused.body).toBe(201);
    expect(refused.json()).toMatchObject({
      answers: [
        {
          kind: "refusal",
          grounds: [{ ground: "press_freedom", article: "Art. 12(1)(a)" }],
          categories: ["traffic", "content"],
          inTime: true,
          afterDelivery: false,
        },
      ],
      release: [
        { category: "traffic", status: "refused" },
        { category: "content", status: "refused" },
      ],
    });
    expect(await events(id, "request.enforcing_answered")).toMatchObject([
      { actor: desk.accounts.counsel.email, payload: { kind: "refusal", categories: ["traffic", "content"] } },
    ]);
    // The answer ended the wait: fulfilment runs now, and only subscriber data leave.
    expect((await fulfilJob(id)).run_at.getTime()).toBe(desk.clock.now().getTime());
    expect((await runJobs()).failed).toBe(0);
    const request = await desk.db.selectFrom("request").select("status").where("id", "=", id).executeTakeFirstOrThrow();
    expect(request.status).toBe("delivered");
    const payload = await sealed(id);
    expect(files(payload)).toEqual(["data/subscriber.name.json"]);
    const notProduced = payload.notProduced as Json[];
    expect(notProduced.map((r) => r.category).sort()).toEqual([
      "content.location",
      "content.messages",
      "records.connections",
    ]);
    for (const item of notProduced) expect(item.reason).toContain("Art. 12(1)(a)");
  }, 120_000);

  it('"no ground" releases the wait before the window closes; an objection after delivery says the data may not be used', async () => {
    const id = await submit("DP-391-2026-B");
    await approve(id);
    desk.clock.advance(DAY);
    const counsel = await as(desk.accounts.counsel);
    const cleared = await call("POST", `/api/v1/requests/${id}/enforcing-state/answers`, counsel, {
      kind: "no_ground",
      answeredAt: desk.clock.now().toISOString(),
    });
    expect(cleared.status, cleared.body).toBe(201);
    expect(cleared.json().release.map((r: Json) => r.status)).toEqual(["release", "release"]);
    expect((await runJobs()).failed).toBe(0);
    const payload = await sealed(id);
    expect(files(payload).sort()).toEqual([
      "data/content.location.json",
      "data/content.messages.json",
      "data/records.connections.json",
      "data/subscriber.name.json",
    ]);
    expect(payload.notProduced).toEqual([]);

    // A later objection (the window still runs) is recorded after delivery: the data may not be used.
    desk.clock.advance(DAY);
    // Sessions do not outlast a day of the fake clock: counsel signs in again.
    const objected = await call(
      "POST",
      `/api/v1/requests/${id}/enforcing-state/answers`,
      await as(desk.accounts.counsel),
      {
        kind: "objection",
        grounds: ["ne_bis_in_idem"],
        categories: ["content"],
        answeredAt: desk.clock.now().toISOString(),
      },
    );
    expect(objected.status, objected.body).toBe(201);
    expect(objected.json()).toMatchObject({
      useBarred: ["content"],
      answers: [{ kind: "no_ground" }, { kind: "objection", afterDelivery: true, inTime: true }],
    });
  }, 120_000);

  it("on the desk: the request page shows the wait, and staff record an answer with the page's form", async () => {
    const id = await submit("DP-391-2026-E");
    const page = await desk.signInPage(desk.accounts.reviewer);
    const view = async () =>
      (await desk.app.inject({ method: "GET", url: `/desk/requests/${id}`, headers: { cookie: page.cookie } })).body;
    const before = await view();
    expect(before).toContain("Enforcing State");
    expect(before).toMatch(/content data: <strong>waits<\/strong>/);
    const post = (fields: Array<[string, string]>) =>
      desk.app.inject({
        method: "POST",
        url: `/desk/requests/${id}/enforcing-state/answers`,
        headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams([["_csrf", page.csrf], ...fields]).toString(),
      });
    // A refusal without its ground comes back with the problem beside the form, nothing stored.
    const bad = await post([
      ["kind", "refusal"],
      ["categories", "content"],
    ]);
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.body).toContain("names at least one ground of Art. 12(1)");
    expect(await events(id, "request.enforcing_answered")).toEqual([]);
    const good = await post([
      ["kind", "refusal"],
      ["grounds", "immunities_or_privileges"],
      ["grounds", "fundamental_rights"],
      ["categories", "content"],
      ["answeredAt", ""],
    ]);
    expect(good.statusCode, good.body).toBe(303);
    expect(await events(id, "request.enforcing_answered")).toMatchObject([
      {
        actor: desk.accounts.reviewer.email,
        payload: {
          kind: "refusal",
          categories: ["content"],
          grounds: [
            { ground: "immunities_or_privileges", article: "Art. 12(1)(a)" },
            { ground: "fundamental_rights", article: "Art. 12(1)(b)" },
          ],
        },
      },
    ]);
    const after = await view();
    expect(after).toMatch(/content data: <strong>refused: not produced<\/strong>/);
    expect(after).toMatch(/traffic data: <strong>may leave<\/strong>/);
  }, 120_000);

  it("a hold kept until production on Annex V is released when the EPOC naming it is delivered", async () => {
    const preservation = (reference: string, instrument: string, relatesTo?: string) => {
      const doc = JSON.parse(read("examples/requests/eu-epoc-pr.json")) as Json;
      Object.assign(doc, { reference, jurisdiction: "ES" });
      Object.assign(doc.legalBasis, { issuingState: "ES", instrument, ...(relatesTo ? { relatesTo } : {}) });
      return doc;
    };
    const file = async (doc: Json) => {
      const response = await call("POST", "/api/v1/requests", await as(officer), doc);
      expect(response.status, response.body).toBe(201);
      return response.json().id as string;
    };
    const prId = await file(preservation("DP-391-PR", "epoc_pr"));
    await file(preservation("DP-391-PR-V", "annex_v_confirmation", "DP-391-PR"));
    const hold = () =>
      desk.db.selectFrom("preservation_hold").selectAll().where("request_id", "=", prId).executeTakeFirstOrThrow();
    expect(await hold()).toMatchObject({ status: "active", confirmed_at: expect.any(Date) });
    // The production request names the preservation; no enforcing State was notified, so nothing waits.
    const id = await submit("DP-391-2026-F", (doc) => {
      delete doc.legalBasis.enforcingNotification;
      doc.legalBasis.relatesTo = "DP-391-PR";
    });
    await approve(id);
    expect((await runJobs()).failed).toBe(0);
    expect(await hold()).toMatchObject({ status: "released" });
    expect(await events((await hold()).id, "preservation.released")).toMatchObject([
      { payload: { requestId: prId, deliveredFor: id } },
    ]);
    const pr = await desk.db.selectFrom("request").select("status").where("id", "=", prId).executeTakeFirstOrThrow();
    expect(pr.status).toBe("closed");
  }, 120_000);

  it("refuses bad answers naming the field, an answer before any notification, and another agency's look", async () => {
    const stored = async () =>
      Number(
        (
          await desk.db
            .selectFrom("enforcing_answer")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await stored();
    const id = await submit("DP-391-2026-C");
    const counsel = await as(desk.accounts.counsel);
    const answers = `/api/v1/requests/${id}/enforcing-state/answers`;
    const now = desk.clock.now().toISOString();
    const cases: Array<[string, Json, string]> = [
      ["an unknown ground", { kind: "refusal", grounds: ["politics"], answeredAt: now }, "grounds[0]"],
      ["a refusal without a ground", { kind: "refusal", answeredAt: now }, "grounds"],
      ["conditions without saying which", { kind: "conditions", answeredAt: now }, "conditions"],
      ["an unknown answer", { kind: "maybe", answeredAt: now }, "kind"],
      [
        "an answer before the notification",
        { kind: "no_ground", answeredAt: new Date(Date.parse(now) - DAY).toISOString() },
        "answeredAt",
      ],
    ];
    for (const [what, body, path] of cases) {
      const response = await call("POST", answers, counsel, body);
      expect(response.status, `${what}: ${response.body}`).toBe(400);
      expect(JSON.stringify(response.json()), what).toContain(path);
    }

    // An order that states no notification: an answer has nothing to answer.
    const silent = await submit("DP-391-2026-D", (doc) => delete doc.legalBasis.enforcingNotification);
    const early = await call("POST", `/api/v1/requests/${silent}/enforcing-state/answers`, counsel, {
      kind: "no_ground",
      answeredAt: now,
    });
    expect(early.status, early.body).toBe(409);
    expect(early.body).toContain("record the notification first");
    // Staff then record the notification the order came with by post; a second is refused.
    const notification = `/api/v1/requests/${silent}/enforcing-state/notification`;
    const same = await call("POST", notification, counsel, { enforcingState: "ES", notifiedAt: now });
    expect(same.status).toBe(400);
    expect(same.body).toContain("enforcingState");
    const recorded = await call("POST", notification, counsel, { enforcingState: "DE", notifiedAt: now });
    expect(recorded.status, recorded.body).toBe(201);
    expect(recorded.json().release).toEqual([
      expect.objectContaining({ category: "traffic", status: "wait" }),
      expect.objectContaining({ category: "content", status: "wait" }),
    ]);
    expect((await call("POST", notification, counsel, { enforcingState: "DE", notifiedAt: now })).status).toBe(409);
    expect(await stored()).toBe(before);

    // The officer cannot record an answer; an officer of another agency is told the request does not exist.
    expect((await call("POST", answers, await as(officer), { kind: "no_ground", answeredAt: now })).status).toBe(403);
    const stranger = await foreignOfficer(desk, "FR", "justice.gouv.fr", "j9@justice.gouv.fr");
    const look = await call("GET", `/api/v1/requests/${id}/enforcing-state`, await as(stranger));
    expect(look.status).toBe(404);
    expect(await events(id, "security.refused")).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: stranger.email })]),
    );
  }, 120_000);
});
