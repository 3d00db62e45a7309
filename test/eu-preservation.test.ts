/**
 * An EPOC-PR through the API, on each driver (docs/regimes.md#epoc-pr-extension-and-confirmation): kept 60
 * days, extended once by 30 on Annex VI, then confirmed on Annex V and kept until production, past the day
 * it would have expired. What the Regulation does not allow (a second extension, an extension after the
 * confirmation, an EPOC-PR that is not there) is refused naming the field, and nothing of it is stored.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDueJobs } from "../src/jobs/jobs.js";
import { extendPreservationHold } from "../src/preservation/preservation.service.js";
import { jobHandlers } from "../src/server/job-handlers.js";
import { DRIVERS } from "./support/db.js";
import { activateExamplePolicy } from "./support/fixtures.js";
import { type Account, type Desk, foreignOfficer, openDesk } from "./support/http.js";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");
// biome-ignore lint/suspicious/noExplicitAny: documents are built as raw JSON, as an agency sends them.
type Json = Record<string, any>;
const DAY = 86_400_000;

describe.each(DRIVERS)("an EPOC-PR, its Annex VI extension and Annex V confirmation on %s", (driver) => {
  let desk: Desk;
  let officer: Account;

  beforeAll(async () => {
    desk = await openDesk(driver);
    await activateExamplePolicy(desk.db, read("policies/presets/eu-mail.yaml"));
    officer = await foreignOfficer(desk, "FR", "justice.gouv.fr", "j3@justice.gouv.fr");
  });
  afterAll(async () => {
    await desk?.close();
  });

  /** The example EPOC-PR, as a French prosecutor's office files it; `instrument` turns it into Annex V or VI. */
  const order = (reference: string, instrument = "epoc_pr", relatesTo?: string): Json => {
    const doc = JSON.parse(read("examples/requests/eu-epoc-pr.json")) as Json;
    doc.reference = reference;
    doc.jurisdiction = "FR";
    doc.legalBasis.issuingState = "FR";
    doc.legalBasis.instrument = instrument;
    if (relatesTo) doc.legalBasis.relatesTo = relatesTo;
    return doc;
  };
  const submit = async (doc: Json) => {
    const session = await desk.signIn(officer);
    return desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...session.headers, "content-type": "application/json" },
      payload: JSON.stringify(doc),
    });
  };
  const holdOf = (requestId: string) =>
    desk.db.selectFrom("preservation_hold").selectAll().where("request_id", "=", requestId).executeTakeFirstOrThrow();
  const stored = async () =>
    Number(
      (
        await desk.db
          .selectFrom("request")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const statusOf = async (id: string) =>
    (await desk.db.selectFrom("request").select("status").where("id", "=", id).executeTakeFirstOrThrow()).status;

  it("60 days, once 30 more on Annex VI, then until production once Annex V confirms", async () => {
    const pr = await submit(order("PNR-PR-1"));
    expect(pr.statusCode, pr.body).toBe(201);
    const prId = (pr.json() as { id: string }).id;
    const placed = await holdOf(prId);
    expect(placed.extensions).toBe(0);
    const sixty = placed.expires_at.getTime();

    const extension = await submit(order("PNR-PR-1-VI", "annex_vi_extension", "PNR-PR-1"));
    expect(extension.statusCode, extension.body).toBe(201);
    const extensionId = (extension.json() as { id: string }).id;
    expect(extension.json()).toMatchObject({ status: "closed" });
    const extended = await holdOf(prId);
    expect(extended.expires_at.getTime()).toBe(sixty + 30 * DAY);
    expect(extended.extensions).toBe(1);
    // The Annex VI holds nothing of its own: it acted on the EPOC-PR, and says so on its timeline.
    expect(
      await desk.db.selectFrom("preservation_hold").select("id").where("request_id", "=", extensionId).execute(),
    ).toEqual([]);
    const moved = await desk.db
      .selectFrom("audit_event")
      .select("payload")
      .where("object_id", "=", extensionId)
      .where("action", "=", "request.transitioned")
      .executeTakeFirstOrThrow();
    expect((moved.payload as Json).reason).toContain("Annex VI: the preservation of PNR-PR-1 extended by 30 days");

    const before = await stored();
    const refusals: Array<[Json, string, string]> = [
      [order("PNR-PR-1-VI-2", "annex_vi_extension", "PNR-PR-1"), "legalBasis.instrument", "already extended once"],
      [order("PNR-PR-9-VI", "annex_vi_extension", "PNR-PR-9"), "legalBasis.relatesTo", "no EPOC-PR of this agency"],
    ];
    for (const [doc, path, says] of refusals) {
      const refused = await submit(doc);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.body).toContain(path);
      expect(refused.body).toContain(says);
    }
    expect(await stored()).toBe(before);
    expect((await holdOf(prId)).expires_at.getTime()).toBe(sixty + 30 * DAY);

    const confirmation = await submit(order("PNR-PR-1-V", "annex_v_confirmation", "PNR-PR-1"));
    expect(confirmation.statusCode, confirmation.body).toBe(201);
    const confirmationId = (confirmation.json() as { id: string }).id;
    const confirmed = await holdOf(prId);
    expect(confirmed.confirmed_by).toBe(confirmationId);
    expect(confirmed.confirmed_at).not.toBeNull();
    const late = await submit(order("PNR-PR-1-VI-3", "annex_vi_extension", "PNR-PR-1"));
    expect(late.statusCode, late.body).toBe(400);
    expect(late.body).toContain("confirmed on Annex V");

    // A day after the 90 days: the expiry job runs, and the confirmed preservation is still kept.
    const after = new Date(sixty + 31 * DAY);
    await runDueJobs(desk.db, jobHandlers(), { workerId: "test", now: () => after });
    expect((await holdOf(prId)).status).toBe("active");
    expect(await statusOf(prId)).toBe("preserved");
    const audited = await desk.db
      .selectFrom("audit_event")
      .select(["actor", "payload"])
      .where("object_id", "=", confirmed.id)
      .where("action", "in", ["preservation.extended", "preservation.confirmed", "preservation.expired"])
      .orderBy("id")
      .execute();
    expect(audited.map((e) => e.payload)).toEqual([
      expect.objectContaining({ requestId: prId, extensions: 1, by: extensionId }),
      { requestId: prId, confirmedBy: confirmationId },
    ]);
  });

  it("an EU hold renewed by staff gains 30 days (Annex VI), not the 90 of 18 U.S.C. 2703(f), and then expires", async () => {
    const pr = await submit(order("PNR-PR-2"));
    expect(pr.statusCode, pr.body).toBe(201);
    const prId = (pr.json() as { id: string }).id;
    const hold = await holdOf(prId);
    const { expiresAt } = await extendPreservationHold(desk.db, hold.id, desk.accounts.counsel.email, desk.clock.now());
    expect(expiresAt.getTime()).toBe(hold.expires_at.getTime() + 30 * DAY);
    await runDueJobs(desk.db, jobHandlers(), { workerId: "test", now: () => new Date(expiresAt.getTime() + 1) });
    expect((await holdOf(prId)).status).toBe("expired");
    expect(await statusOf(prId)).toBe("closed");
  });
});
