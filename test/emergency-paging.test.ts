/**
 * Waking a person for an emergency (issue 15, item 6; docs/paging.md), on each driver: an emergency
 * request pages the on-call person through the configured webhook — a real HTTP receiver on a free port,
 * answering 503 before it accepts — with retries, each attempt recorded and audited; the desk acknowledges
 * it and shows who and when; a page not yet sent when someone has it is not sent; without a pager the desk
 * is told nobody was paged; an officer sees none of it.
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDueJobs } from "../src/jobs/jobs.js";
import { configuredJobHandlers } from "../src/server/job-handlers.js";
import { DRIVERS } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { type Account, type Desk, openDesk } from "./support/http.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A paging service on 127.0.0.1: refuses the first `failures` events with 503, then accepts with 202. */
async function pagingReceiver(failures: number) {
  const received: Received[] = [];
  let refused = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      if (refused < failures) {
        refused += 1;
        response.writeHead(503, { "content-type": "application/json" }).end('{"status":"overloaded"}');
        return;
      }
      response.writeHead(202, { "content-type": "application/json" }).end('{"status":"success"}');
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v2/enqueue`, received, close: () => server.close() };
}

const EMERGENCY = {
  jurisdiction: "US",
  process: "emergency",
  agency: { name: "FBI", email: "agent.smith@fbi.gov", verified: false },
  emergency: { justification: "A child is missing and believed in danger; the account is the last contact." },
  categories: ["subscriber.phone"],
  targets: [{ type: "email", value: "missing.child.contact@example.com" }],
};

describe.each(DRIVERS)("paging an emergency on %s", (driver) => {
  let desk: Desk;
  let receiver: Awaited<ReturnType<typeof pagingReceiver>>;

  beforeAll(async () => {
    receiver = await pagingReceiver(2);
    desk = await openDesk(driver, {
      CUSTODIAN_PAGER_URL: receiver.url,
      CUSTODIAN_PAGER_ROUTING_KEY: "R0UTINGKEY0000000000000000000000",
      CUSTODIAN_PAGER_TOKEN: "pager-token-of-the-test",
    });
  });
  afterAll(async () => {
    await desk?.close();
    receiver?.close();
  });

  const submit = async (account: Account, fields: Record<string, unknown>) => {
    const officer = await sessionOf(account);
    const response = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument(fields),
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  };
  const runJobs = () =>
    runDueJobs(desk.db, configuredJobHandlers(desk.config), {
      workerId: "test",
      now: desk.clock.now,
      kinds: ["emergency.page"],
    });
  // Each sign-in moves the desk's clock on 31 s (a fresh TOTP code): sign in once per account.
  const sessions = new Map<string, Awaited<ReturnType<Desk["signIn"]>>>();
  const sessionOf = async (account: Account) => {
    const known = sessions.get(account.email);
    if (known) return known;
    const session = await desk.signIn(account);
    sessions.set(account.email, session);
    return session;
  };
  const pageOf = async (id: string, account: Account = desk.accounts.intake) => {
    const session = await sessionOf(account);
    return desk.app.inject({ method: "GET", url: `/api/v1/requests/${id}/emergency-page`, headers: session.headers });
  };
  const auditOf = (id: string) =>
    desk.db
      .selectFrom("audit_event")
      .select(["action", "actor", "payload"])
      .where("object_id", "=", id)
      .where("action", "like", "emergency.%")
      .orderBy("id")
      .execute();

  it("pages the on-call person at once, retries while the service refuses, and records each attempt", async () => {
    const id = await submit(desk.accounts.officerA, { ...EMERGENCY, reference: "EMERG-PAGE-1" });
    expect((await pageOf(id)).json()).toMatchObject({ status: "queued", attempts: 0 });

    // First attempt: the service answers 503; the job is retried after its pause.
    expect(await runJobs()).toEqual({ ran: 0, failed: 1 });
    expect((await pageOf(id)).json()).toMatchObject({ status: "paging", attempts: 1, sentAt: null });
    expect((await pageOf(id)).json().lastError).toContain("503");
    // Not before its pause is over.
    expect(await runJobs()).toEqual({ ran: 0, failed: 0 });
    desk.clock.advance(3_000);
    expect(await runJobs()).toEqual({ ran: 0, failed: 1 });
    desk.clock.advance(5_000);
    expect(await runJobs()).toEqual({ ran: 1, failed: 0 });

    const page = (await pageOf(id)).json();
    expect(page).toMatchObject({ status: "sent", attempts: 3, lastError: null, acknowledgedBy: null });
    expect(page.sentAt).not.toBeNull();
    expect(receiver.received).toHaveLength(3);

    // What the paging service received: a PagerDuty Events v2 trigger, one incident however many retries,
    // with the request and the desk's link, and neither the target nor the justification.
    const sent = receiver.received[2] as Received;
    expect(sent.headers.authorization).toBe("Bearer pager-token-of-the-test");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body).toMatchObject({
      routing_key: "R0UTINGKEY0000000000000000000000",
      event_action: "trigger",
      dedup_key: `custodian-emergency-${id}`,
      payload: {
        source: "custodian",
        severity: "critical",
        custom_details: { request: "EMERG-PAGE-1", jurisdiction: "US" },
      },
      links: [{ href: `http://127.0.0.1:4000/desk/requests/${id}` }],
    });
    expect((sent.body.payload as { summary: string }).summary).toMatch(
      /^Emergency request EMERG-PAGE-1 from .+ \(US\); answer by /,
    );
    expect(new Set(receiver.received.map((r) => r.body.dedup_key))).toEqual(new Set([`custodian-emergency-${id}`]));
    const wire = JSON.stringify(receiver.received);
    expect(wire).not.toContain("missing.child.contact@example.com");
    expect(wire).not.toContain("believed in danger");

    expect(await auditOf(id)).toEqual([
      {
        action: "emergency.page_failed",
        actor: "system:jobs",
        payload: expect.objectContaining({ attempt: 1, final: false }),
      },
      {
        action: "emergency.page_failed",
        actor: "system:jobs",
        payload: expect.objectContaining({ attempt: 2, final: false }),
      },
      { action: "emergency.paged", actor: "system:jobs", payload: { attempt: 3, answered: 202 } },
    ]);

    // Nothing is paged twice: the job is done.
    desk.clock.advance(60_000);
    expect(await runJobs()).toEqual({ ran: 0, failed: 0 });
    expect(receiver.received).toHaveLength(3);

    // The desk acknowledges it; the first acknowledgement stands.
    const reviewer = await sessionOf(desk.accounts.reviewer);
    const acknowledged = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/emergency-page/acknowledgement`,
      headers: reviewer.headers,
    });
    expect(acknowledged.statusCode, acknowledged.body).toBe(200);
    expect(acknowledged.json()).toMatchObject({ status: "sent", acknowledgedBy: desk.accounts.reviewer.email });
    const counsel = await sessionOf(desk.accounts.counsel);
    const again = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/emergency-page/acknowledgement`,
      headers: counsel.headers,
    });
    expect(again.json()).toMatchObject({ acknowledgedBy: desk.accounts.reviewer.email });
    const audit = await auditOf(id);
    expect(audit.filter((e) => e.action === "emergency.page_acknowledged")).toEqual([
      { action: "emergency.page_acknowledged", actor: desk.accounts.reviewer.email, payload: { paged: true } },
    ]);
  });

  it("does not page a person once someone on the desk has the emergency", async () => {
    const before = receiver.received.length;
    const id = await submit(desk.accounts.officerA, { ...EMERGENCY, reference: "EMERG-PAGE-2" });
    const intake = await sessionOf(desk.accounts.intake);
    const acknowledged = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/emergency-page/acknowledgement`,
      headers: intake.headers,
    });
    expect(acknowledged.json()).toMatchObject({ status: "not_needed", acknowledgedBy: desk.accounts.intake.email });
    expect(await runJobs()).toEqual({ ran: 1, failed: 0 });
    expect(receiver.received).toHaveLength(before);
    expect((await pageOf(id)).json()).toMatchObject({ status: "not_needed", sentAt: null });
  });

  it("shows the desk whether anyone was woken and who has it, and acknowledges from the request page", async () => {
    const id = await submit(desk.accounts.officerA, { ...EMERGENCY, reference: "EMERG-PAGE-DESK" });
    desk.clock.advance(60_000);
    await runJobs();
    const browser = await desk.signInPage(desk.accounts.counsel);
    const open = () =>
      desk.app.inject({ method: "GET", url: `/desk/requests/${id}`, headers: { cookie: browser.cookie } });
    const before = await open();
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain("Emergency: who has it");
    expect(before.body).toContain("The on-call person was paged at");
    expect(before.body).toContain("Nobody on the desk has acknowledged it yet.");
    expect(before.body).toContain(`action="/desk/requests/${id}/emergency-page/acknowledge"`);

    const posted = await desk.app.inject({
      method: "POST",
      url: `/desk/requests/${id}/emergency-page/acknowledge`,
      headers: { cookie: browser.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: browser.csrf }).toString(),
    });
    expect(posted.statusCode, posted.body).toBe(303);
    expect(posted.headers.location).toBe(`/desk/requests/${id}?notice=acknowledged`);
    const after = await open();
    expect(after.body).toContain(`Acknowledged by ${desk.accounts.counsel.email}`);
    expect(after.body).not.toContain("emergency-page/acknowledge");

    // An ordinary request's page has no such panel.
    const ordinary = await submit(desk.accounts.officerA, {
      jurisdiction: "US",
      process: "subpoena",
      reference: "ORDINARY-DESK",
    });
    const plain = await desk.app.inject({
      method: "GET",
      url: `/desk/requests/${ordinary}`,
      headers: { cookie: browser.cookie },
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).not.toContain("Emergency: who has it");
  });

  it("pages nobody for an ordinary request, and tells the officer nothing of the desk's paging", async () => {
    const before = receiver.received.length;
    const id = await submit(desk.accounts.officerA, {
      jurisdiction: "US",
      process: "subpoena",
      reference: "ORDINARY-1",
    });
    expect(await runJobs()).toEqual({ ran: 0, failed: 0 });
    expect(receiver.received).toHaveLength(before);
    expect((await pageOf(id)).statusCode).toBe(404);
    const intake = await sessionOf(desk.accounts.intake);
    const refused = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${id}/emergency-page/acknowledgement`,
      headers: intake.headers,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain("not an emergency");

    const emergency = await submit(desk.accounts.officerA, { ...EMERGENCY, reference: "EMERG-PAGE-3" });
    expect((await pageOf(emergency, desk.accounts.officerA)).statusCode).toBe(403);
    const officer = await sessionOf(desk.accounts.officerA);
    const forbidden = await desk.app.inject({
      method: "POST",
      url: `/api/v1/requests/${emergency}/emergency-page/acknowledgement`,
      headers: officer.headers,
    });
    expect(forbidden.statusCode).toBe(403);
  });
});

describe.each(DRIVERS)("an emergency with no pager configured on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
  });

  it("records that nobody was paged, once, and the desk says why", async () => {
    const officer = await desk.signIn(desk.accounts.officerB);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...officer.headers, "content-type": "application/json" },
      payload: requestDocument({
        ...EMERGENCY,
        jurisdiction: "GB",
        agency: { name: "Met", email: "dc.jones@met.police.uk", verified: false },
        reference: "EMERG-NOPAGER",
      }),
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id } = submitted.json() as { id: string };
    const run = () =>
      runDueJobs(desk.db, configuredJobHandlers(desk.config), { workerId: "test", now: desk.clock.now });
    expect(await run()).toMatchObject({ ran: 1, failed: 0 });
    desk.clock.advance(600_000);
    await run();
    const intake = await desk.signIn(desk.accounts.intake);
    const page = await desk.app.inject({
      method: "GET",
      url: `/api/v1/requests/${id}/emergency-page`,
      headers: intake.headers,
    });
    expect(page.json()).toMatchObject({ status: "not_configured", attempts: 1 });
    expect(page.json().lastError).toContain("CUSTODIAN_PAGER_URL");
    const failures = await desk.db
      .selectFrom("audit_event")
      .select(["action", "payload"])
      .where("object_id", "=", id)
      .where("action", "like", "emergency.%")
      .execute();
    expect(failures).toEqual([
      { action: "emergency.page_failed", payload: expect.objectContaining({ attempt: 1, final: true }) },
    ]);
  });
});
