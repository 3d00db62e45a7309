import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import {
  activateExamplePolicy,
  REVIEWED,
  requestDocument,
  seedAgency,
  TEST_OPERATOR,
} from "../../test/support/fixtures.js";
import { sealAudit } from "../audit/seal.js";
import { verifyAudit } from "../audit/verify.js";
import { lockJurisdictionExclusive } from "../jurisdictions/jurisdiction.lock.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { DomainError } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { currentDecision } from "./decisions.repository.js";
import { transition } from "./lifecycle.js";
import { intakeRequest } from "./requests.service.js";
import { recordReview } from "./reviews.service.js";

describe.each(DRIVERS)("requests on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  const now = new Date("2020-07-12T10:00:00Z");

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const intake = (overrides: Record<string, unknown> = {}, verified = true) =>
    intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument(overrides),
      actor: "intake@desk",
      now,
      agencyVerified: verified,
    });

  it("stores the request verbatim with its SHA-256, targets, decision and audit entries", async () => {
    const document = requestDocument({ jurisdiction: "GB", reference: "MPS-1" });
    const result = await intakeRequest(database.db, {
      agencyId,
      originalDocument: document,
      actor: "intake@desk",
      now,
      agencyVerified: true,
    });
    expect(result.status).toBe("received");
    expect(result.decision.outcome).toBe("comply_partial");
    const row = await database.db
      .selectFrom("request")
      .selectAll()
      .where("id", "=", result.id)
      .executeTakeFirstOrThrow();
    expect(row.original_document).toBe(document);
    expect(row.original_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.categories).toEqual(["subscriber.phone", "records.ip_logs", "content.messages"]);
    const targets = await database.db
      .selectFrom("request_target")
      .selectAll()
      .where("request_id", "=", result.id)
      .execute();
    expect(targets).toEqual([
      {
        request_id: result.id,
        position: 0,
        type: "phone",
        value: "+85291234567",
        observed_at: null,
        time_zone: null,
        port: null,
      },
    ]);
    const decision = await database.db.transaction().execute((tx) => currentDecision(tx, result.id));
    expect(decision).toMatchObject({ policy_name: "ExampleChat", policy_version: "2020-07-06", cause: "intake" });
    const audit = await database.db
      .selectFrom("audit_event")
      .select("action")
      .where("object_id", "=", result.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["request.received", "request.decided"]);
  });

  it("takes agency.verified from Custodian, not from the document", async () => {
    const result = await intake({ jurisdiction: "GB", agency: { name: "X", email: "x@y.gov", verified: true } }, false);
    expect(result.decision.items.every((i) => i.action === "withhold" && i.rule === "agency.verified")).toBe(true);
  });

  it("refuses the same reference twice from one agency, and bad documents, writing nothing", async () => {
    await intake({ reference: "DUP-1" });
    await expect(intake({ reference: "DUP-1" })).rejects.toThrow(/already submitted/);
    await expect(intake({ targets: [] })).rejects.toBeInstanceOf(ValidationError);
    const count = await database.db
      .selectFrom("request")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("reference", "=", "DUP-1")
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it("refuses illegal transitions and lets only one of two concurrent approvals win", async () => {
    const { id } = await intake({ jurisdiction: "GB" });
    await expect(
      database.db.transaction().execute((tx) => transition(tx, id, { to: "delivered", actor: "r", reason: "x", now })),
    ).rejects.toThrow(/is received; it cannot become delivered/);
    await database.db
      .transaction()
      .execute((tx) => transition(tx, id, { to: "under_review", actor: "reviewer@desk", reason: "verified", now }));
    const approve = (actor: string) =>
      database.db.transaction().execute((tx) => transition(tx, id, { to: "approved", actor, reason: "ok", now }));
    const results = await Promise.allSettled([approve("counsel-a"), approve("counsel-b")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(DomainError);
    expect((rejected.reason as DomainError).code).toBe("invalid_transition");
  });

  it("pauses a jurisdiction: holds every undelivered request at once, holds new ones, re-decides on resume", async () => {
    const before = await intake({ jurisdiction: "FR" });
    const approved = await intake({ jurisdiction: "FR-75" });
    for (const to of ["under_review", "approved"] as const) {
      await database.db
        .transaction()
        .execute((tx) => transition(tx, approved.id, { to, actor: "c", reason: "ok", now }));
    }
    const paused = await pauseJurisdiction(database.db, {
      jurisdiction: "FR",
      reason: "human-rights assessment",
      by: TEST_OPERATOR,
      now,
    });
    expect(paused.held).toBe(2);
    const statuses = await database.db
      .selectFrom("request")
      .select(["id", "status", "held_from"])
      .where("id", "in", [before.id, approved.id])
      .orderBy("id")
      .execute();
    expect(statuses.every((s) => s.status === "on_hold")).toBe(true);

    const arrived = await intake({ jurisdiction: "FR" });
    expect(arrived.status).toBe("on_hold");
    expect(arrived.decision.items[0]?.reason).toMatch(/FR is paused since 2020-07-12 \(human-rights assessment\)/);
    // Nothing held can be approved or fulfilled.
    await expect(
      database.db
        .transaction()
        .execute((tx) => transition(tx, approved.id, { to: "fulfilling", actor: "x", reason: "x", now })),
    ).rejects.toThrow(/on_hold; it cannot become fulfilling/);

    const resumed = await resumeJurisdiction(database.db, {
      jurisdiction: "FR",
      reason: "assessment complete",
      by: TEST_OPERATOR,
      now,
    });
    expect(resumed.redecided).toBe(3);
    const byId = new Map(resumed.released.map((r) => [r.id, r.status]));
    expect(byId.get(before.id)).toBe("received");
    expect(byId.get(arrived.id)).toBe("received");
    // It had been approved under a decision that no longer stands: a person reviews it again.
    expect(byId.get(approved.id)).toBe("under_review");
    const decision = await database.db.transaction().execute((tx) => currentDecision(tx, approved.id));
    expect(decision?.cause).toBe("resume");
    expect(decision?.note).toMatch(/pause on FR lifted by cli:test: assessment complete/);
  });

  it("keeps requests held on resume when the policy itself still pauses the jurisdiction", async () => {
    const hk = await intake({ jurisdiction: "HK" });
    expect(hk.status).toBe("on_hold");
    // Pausing again is refused: it would only move the date the policy's pause began.
    await expect(
      pauseJurisdiction(database.db, { jurisdiction: "HK", reason: "still paused", by: TEST_OPERATOR, now }),
    ).rejects.toThrow(/HK is already paused since 2020-07-06/);
    const resumed = await resumeJurisdiction(database.db, {
      jurisdiction: "HK",
      reason: "lifted",
      by: TEST_OPERATOR,
      now,
    });
    // A resume by a person overrides the policy's own pause for this jurisdiction.
    expect(resumed.released.find((r) => r.id === hk.id)?.status).toBe("received");
  });

  it("moves a request through its whole life: review, approval, fulfilment, delivery, closing", async () => {
    const { id } = await intake({ jurisdiction: "GB", process: "search_warrant" });
    const step = (to: Parameters<typeof transition>[2]["to"], actor = "desk") =>
      database.db.transaction().execute((tx) => transition(tx, id, { to, actor, reason: `to ${to}`, now }));
    await step("verifying", "intake@desk");
    await step("under_review", "intake@desk");
    await expect(
      recordReview(database.db, id, { ...REVIEWED, reviewer: "r", verdict: "recommend_approve", now }),
    ).resolves.toMatchObject({
      status: "under_review",
    });
    await expect(
      recordReview(database.db, id, {
        ...REVIEWED,
        reviewer: "counsel@desk",
        verdict: "approve",
        now,
      }),
    ).resolves.toMatchObject({ status: "approved" });
    await expect(
      recordReview(database.db, id, { ...REVIEWED, reviewer: "counsel-2", verdict: "approve", now }),
    ).rejects.toThrow(/is approved; only a request under review can be reviewed/);
    await step("fulfilling", "system");
    await step("delivered", "system");
    await step("closed", "system");
    const trail = await database.db
      .selectFrom("audit_event")
      .select(["action", "payload"])
      .where("object_id", "=", id)
      .orderBy("id")
      .execute();
    expect(
      trail.map((e) => (e.action === "request.transitioned" ? `→${(e.payload as { to: string }).to}` : e.action)),
    ).toEqual([
      "request.received",
      "request.decided",
      "→verifying",
      "→under_review",
      "request.reviewed",
      "request.reviewed",
      "→approved",
      // counsel-2's approval of what was already approved: refused, and written down.
      "security.refused",
      "→fulfilling",
      "→delivered",
      "→closed",
    ]);
  });

  it("refuses to approve a decision that discloses nothing", async () => {
    const { id } = await intake({ jurisdiction: "KP" });
    await database.db
      .transaction()
      .execute((tx) => transition(tx, id, { to: "under_review", actor: "desk", reason: "x", now }));
    await expect(
      recordReview(database.db, id, { ...REVIEWED, reviewer: "counsel", verdict: "approve", now }),
    ).rejects.toThrow(/decision in force is reject/);
    await expect(
      recordReview(database.db, id, { ...REVIEWED, reviewer: "counsel", verdict: "reject", now }),
    ).resolves.toMatchObject({
      status: "rejected",
    });
  });

  it("writes requests that arrive together in one transaction, each with its own answer", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        intake({
          jurisdiction: i % 2 ? "GB" : "US",
          reference: `BATCH-${i}`,
          process: i === 5 ? "preservation" : "court_order",
        }),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(20);
    expect(results[5]?.status).toBe("preserved");
    const rows = await sql<{ reference: string; writer: string; targets: number; decisions: number; holds: number }>`
      select r.reference, r.xmin::text as writer,
             (select count(*)::int from request_target t where t.request_id = r.id) as targets,
             (select count(*)::int from decision d where d.request_id = r.id) as decisions,
             (select count(*)::int from preservation_hold h where h.request_id = r.id) as holds
        from request r where r.reference like 'BATCH-%'`.execute(database.db);
    expect(rows.rows).toHaveLength(20);
    // The first is written alone; the other 19 waited for it and were written together.
    expect(new Set(rows.rows.map((r) => r.writer)).size).toBeLessThanOrEqual(2);
    expect(rows.rows.every((r) => r.targets === 1 && r.decisions === 1)).toBe(true);
    expect(rows.rows.find((r) => r.reference === "BATCH-5")?.holds).toBe(1);
  });

  it("answers a bad request in a batch on its own: the others are stored", async () => {
    const outcomes = await Promise.allSettled(
      // BATCH-3 was stored by the test above: a duplicate reference.
      ["BATCH-OK-0", "BATCH-3", "BATCH-OK-1", "BATCH-OK-2"].map((reference) => intake({ reference })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/already submitted/);
    const stored = await database.db
      .selectFrom("request")
      .select("reference")
      .where("reference", "like", "BATCH-OK-%")
      .execute();
    expect(stored).toHaveLength(3);
  });

  it("decides again, under the policy now in force, when it changed since the last intake", async () => {
    // The first intake leaves this process deciding under "IT active"; the pause changes what is in force.
    expect((await intake({ jurisdiction: "IT", reference: "STALE-1" })).status).toBe("received");
    await pauseJurisdiction(database.db, { jurisdiction: "IT", reason: "assessment", by: TEST_OPERATOR, now });
    const held = await intake({ jurisdiction: "IT", reference: "STALE-2" });
    expect(held).toMatchObject({ status: "on_hold", decision: { outcome: "hold" } });
    const decisions = await database.db
      .selectFrom("decision")
      .select("outcome")
      .where("request_id", "=", held.id)
      .execute();
    expect(decisions).toEqual([{ outcome: "hold" }]);
    await resumeJurisdiction(database.db, { jurisdiction: "IT", reason: "done", by: TEST_OPERATOR, now });
  });

  it.runIf(driver === "postgres")(
    "holds an intake that waited for a pause's lock: it is decided under the pause, never left received",
    async () => {
      let pauseHoldsLock!: () => void;
      const locked = new Promise<void>((resolve) => {
        pauseHoldsLock = resolve;
      });
      const pause = database.db.transaction().execute(async (tx) => {
        await lockJurisdictionExclusive(tx, "FR");
        pauseHoldsLock();
        // The intake starts (and takes its snapshot) while the pause is still uncommitted.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx
          .insertInto("jurisdiction_status")
          .values({ jurisdiction: "FR", status: "paused", reason: "race", actor: "admin", changed_at: now })
          .execute();
      });
      await locked;
      const intakeWaiting = intake({ jurisdiction: "FR", reference: "RACE-1" });
      await pause;
      const result = await intakeWaiting;
      expect(result.decision.outcome).toBe("hold");
      expect(result.status).toBe("on_hold");
      await resumeJurisdiction(database.db, { jurisdiction: "FR", reason: "race over", by: TEST_OPERATOR, now });
    },
  );

  it("leaves a verifiable audit trail of everything above", async () => {
    await sealAudit(database.db);
    const report = await verifyAudit(database.db);
    expect(report.problems.filter((p) => p.kind !== "bad_signature")).toEqual([]);
    expect(report.entries).toBeGreaterThan(20);
    // On a shared server an open transaction in another database holds the sealer back; not here.
    if (driver === "pglite") expect(report.unsealed).toBe(0);
  });
});
