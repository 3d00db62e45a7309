import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { activateExamplePolicy, REVIEWED, requestDocument, seedAgency } from "../../test/support/fixtures.js";
import {
  approve,
  approvedRequest,
  readStream,
  recordCallback,
  seedOfficer,
  tarFiles,
  testArchiveStore,
  testKeyring,
} from "../../test/support/fulfilment.js";
import { enqueueFulfilment } from "../jobs/jobs.catalogue.js";
import { runDueJobs } from "../jobs/jobs.js";
import type { Decision, DecisionItem } from "../policy/engine.js";
import { currentDecision, recordDecision } from "../requests/decisions.repository.js";
import { transition } from "../requests/lifecycle.js";
import { intakeRequest } from "../requests/requests.service.js";
import { recordReview } from "../requests/reviews.service.js";
import { jobHandlers } from "../server/job-handlers.js";
import { generateMasterKeyText, parseMasterKey } from "../shared/master-key.js";
import { ArchiveDamagedError, archiveKeyOf } from "./archive.storage.js";
import { verifyBag } from "./bagit.js";
import {
  type DownloadActor,
  DownloadRefused,
  openProductionDownload,
  rewrapProductionKeys,
} from "./download.service.js";
import { type FulfilmentSettings, fulfilRequest, type Progress } from "./fulfilment.service.js";
import { seedMessengerStore } from "./sources/messenger.seed.js";
import { messengerStore } from "./sources/messenger.store.js";
import { IntegrityError } from "./stream-cipher.js";
import { extractTar } from "./tar.js";

const DAY = 86_400_000;
const RECEIVED = new Date("2020-09-14T15:45:00Z");
const at = (days: number) => new Date(RECEIVED.getTime() + days * DAY);

describe.each(DRIVERS)("fulfilment on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let otherAgencyId: string;
  let officer: DownloadActor;
  const keyring = testKeyring();
  const archives = testArchiveStore();
  const archiveFile = (productionId: string) => join(archives.dir, archiveKeyOf(productionId));
  const settings: FulfilmentSettings = {
    keyring,
    retentionDays: 30,
    downloadLinkDays: 14,
    emergencyNoticeDelayDays: 30,
    publicUrl: "https://custodian.example",
    archives,
  };

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Federal Bureau of Investigation", "US");
    otherAgencyId = await seedAgency(database.db, "Metropolitan Police", "GB");
    officer = {
      userId: await seedOfficer(database.db, agencyId, "agent@fbi.example.gov"),
      email: "agent@fbi.example.gov",
      role: "agency",
      agencyId,
      via: "session",
      mfa: true,
    };
    await seedMessengerStore(database.db, {
      accounts: 25,
      seed: 42,
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2020-12-31T00:00:00Z"),
    });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const warrant = (overrides: Record<string, unknown> = {}) =>
    requestDocument({
      receivedAt: RECEIVED.toISOString(),
      jurisdiction: "US",
      process: "search_warrant",
      targets: [
        { type: "account_id", value: "1002993841" },
        { type: "username", value: "nobody_by_that_name" },
      ],
      categories: [
        "subscriber.phone",
        "records.ip_logs",
        "records.contacts",
        "content.messages",
        "content.posts",
        "content.location",
      ],
      dateRange: { from: "2020-08-01", to: "2020-09-01" },
      ...overrides,
    });

  const fulfil = (requestId: string, now: Date, onProgress?: (p: Progress) => void) =>
    fulfilRequest(database.db, { requestId, actor: "cli:custodian", settings, now: () => now, onProgress });

  const refusals = async (productionId: string) =>
    (
      await database.db
        .selectFrom("audit_event")
        .select(["payload"])
        .where("object_id", "=", productionId)
        .where("action", "=", "production.download_refused")
        .orderBy("id")
        .execute()
    ).map((e) => (e.payload as { reason: string }).reason);

  it("produces exactly the approved, held, in-period records as a valid encrypted BagIt bag", async () => {
    const requestId = await approvedRequest(database.db, {
      agencyId,
      document: warrant(),
      now: RECEIVED,
      submittedBy: officer.userId,
    });
    const progress: Progress[] = [];
    const result = await fulfil(requestId, at(1), (p) => progress.push(p));
    expect(progress.map((p) => p.phase)).toContain("package");
    expect(progress.at(-1)).toMatchObject({ phase: "seal", done: 1, total: 1 });

    const request = await database.db
      .selectFrom("request")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe("delivered");
    expect(result.targets).toEqual([
      { target: "account_id:1002993841", result: "data_produced", records: expect.any(Number) },
      { target: "username:nobody_by_that_name", result: "no_data", records: 0 },
    ]);
    const stored = await database.db
      .selectFrom("production_target")
      .select(["target", "result"])
      .where("production_id", "=", result.productionId)
      .orderBy("position")
      .execute();
    expect(stored.map((t) => t.result)).toEqual(["data_produced", "no_data"]);

    // The archive rests in the store, whole, as the row records it, and holds none of the plaintext.
    const atRest = await readFile(archiveFile(result.productionId));
    const row = await database.db
      .selectFrom("production")
      .select(["archive_bytes", "archive_sha256"])
      .where("id", "=", result.productionId)
      .executeTakeFirstOrThrow();
    expect(Number(row.archive_bytes)).toBe(atRest.length);
    expect(row.archive_sha256).toBe(createHash("sha256").update(atRest).digest("hex"));
    expect(atRest.includes(Buffer.from("1002993841"))).toBe(false);

    const download = await openProductionDownload(database.db, {
      archives: settings.archives,
      productionId: result.productionId,
      actor: officer,
      keyring,
      now: at(2),
    });
    const tar = await readStream(download.stream);
    expect(tar.length).toBe(download.bytes);
    const files = await tarFiles(tar);
    const bag = result.bagName;
    const names = [...files.keys()].filter((n) => n.startsWith(`${bag}/data/`)).map((n) => n.slice(bag.length + 1));
    // e2ee messages and unheld location never appear; each disclosed category has JSON and CSV.
    expect(names.sort()).toEqual(
      [
        "data/certificate-of-authenticity.pdf",
        "data/content.posts.csv",
        "data/content.posts.json",
        "data/records.contacts.csv",
        "data/records.contacts.json",
        "data/records.ip_logs.csv",
        "data/records.ip_logs.json",
        "data/subscriber.phone.csv",
        "data/subscriber.phone.json",
        "data/summary.json",
      ].sort(),
    );

    const json = (name: string) =>
      JSON.parse((files.get(`${bag}/data/${name}`) as Buffer).toString("utf8")) as {
        category: string;
        records: Array<Record<string, unknown> & { at: string | null; account_id: string; target: string }>;
      };
    expect(json("subscriber.phone.json").records).toEqual([
      { target: "account_id:1002993841", account_id: "1002993841", at: null, phone: "+12025550143" },
    ]);
    // records.ip_logs: within the range and the 90-day retention from receipt; every login of that window.
    const logins = json("records.ip_logs.json").records;
    const expected = await messengerStore(database.db)
      .selectFrom("messenger_login")
      .select(["at", "ip"])
      .where("account_id", "=", "1002993841")
      .where("at", ">=", new Date("2020-08-01T00:00:00Z"))
      .where("at", "<", new Date("2020-09-02T00:00:00Z"))
      .orderBy("at")
      .orderBy("id")
      .execute();
    expect(logins.length).toBeGreaterThan(0);
    expect(json("content.posts.json").records.length + json("records.contacts.json").records.length).toBeGreaterThan(0);
    expect(logins.map((l) => [l.at, l.ip])).toEqual(expected.map((e) => [e.at.toISOString(), e.ip]));
    for (const name of ["content.posts.json", "records.contacts.json"]) {
      for (const record of json(name).records) {
        expect(record.account_id).toBe("1002993841");
        const time = String(record.at);
        expect(time >= "2020-08-01T00:00:00.000Z" && time < "2020-09-02T00:00:00.000Z").toBe(true);
      }
    }
    const csv = (files.get(`${bag}/data/records.ip_logs.csv`) as Buffer).toString("utf8").split("\r\n");
    expect(csv[0]).toBe("target,account_id,at,ip,user_agent");
    expect(csv.length - 2).toBe(logins.length);

    // The bag verifies as a standard tool would verify it, and the certificate is a PDF.
    const dir = await mkdtemp(join(tmpdir(), "custodian-bag-"));
    try {
      await extractTar(Readable.from([tar]), dir);
      const report = await verifyBag(join(dir, bag));
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(report.payloadFiles).toBe(10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((files.get(`${bag}/data/certificate-of-authenticity.pdf`) as Buffer).subarray(0, 5).toString()).toBe(
      "%PDF-",
    );
    expect((files.get(`${bag}/bag-info.txt`) as Buffer).toString()).toMatch(/External-Identifier: REF-/);

    // The agency's mail carries a link to the page, no secret; the account owner is told.
    const mail = await database.db.selectFrom("mail_outbox").selectAll().orderBy("id").execute();
    const ready = mail.find((m) => m.purpose === "production.ready");
    expect(ready?.recipient).toBe("agent@fbi.example.gov");
    expect(ready?.body).toContain(`https://custodian.example/portal/productions/${result.productionId}\n`);
    expect(ready?.body).not.toMatch(/[?#]|token/i);
    const notice = mail.find((m) => m.purpose === "notice.user_delivered");
    expect(notice?.recipient).toBe("riverstone@example.com");

    // Once only, and the second attempt is audited as refused.
    await expect(
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId: result.productionId,
        actor: officer,
        keyring,
        now: at(3),
      }),
    ).rejects.toMatchObject({ reason: "already_downloaded" });
    expect(await refusals(result.productionId)).toEqual(["already_downloaded"]);
    const downloaded = await database.db
      .selectFrom("audit_event")
      .select("payload")
      .where("object_id", "=", result.productionId)
      .where("action", "=", "production.downloaded")
      .execute();
    expect(downloaded).toHaveLength(1);
  });

  it("refuses (and audits) every download but the right agency's officer in an MFA session before expiry", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    const { productionId, expiresAt } = await fulfil(requestId, at(1));
    const otherOfficer = await seedOfficer(database.db, otherAgencyId, "pc@met.example.uk");
    const attempt = (actor: Partial<DownloadActor>, now = at(2)) =>
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId,
        actor: { ...officer, ...actor },
        keyring,
        now,
      });
    const cases: Array<[Partial<DownloadActor>, string, string]> = [
      [{ userId: otherOfficer, agencyId: otherAgencyId }, "other_agency", "not_found"],
      [{ role: "reviewer", agencyId: null }, "not_an_agency_officer", "forbidden"],
      [{ via: "token" }, "not_a_session", "forbidden"],
      [{ mfa: false }, "no_second_factor", "forbidden"],
    ];
    for (const [actor, reason, code] of cases) {
      const error = await attempt(actor).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadRefused);
      expect(error).toMatchObject({ reason, code });
    }
    await expect(attempt({}, new Date(expiresAt.getTime() + 1000))).rejects.toMatchObject({ reason: "expired" });
    expect(await refusals(productionId)).toEqual([
      "other_agency",
      "not_an_agency_officer",
      "not_a_session",
      "no_second_factor",
      "expired",
    ]);
    // None of the refusals consumed the download.
    const download = await attempt({});
    expect((await readStream(download.stream)).length).toBe(download.bytes);
  });

  it("lets exactly one of two simultaneous downloads through", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    const { productionId } = await fulfil(requestId, at(1));
    const results = await Promise.allSettled([
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId,
        actor: officer,
        keyring,
        now: at(2),
      }),
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId,
        actor: officer,
        keyring,
        now: at(2),
      }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ reason: "already_downloaded" });
    for (const r of results) if (r.status === "fulfilled") await readStream(r.value.stream);
  });

  const damageReports = (productionId: string) =>
    database.db
      .selectFrom("audit_event")
      .select("payload")
      .where("action", "=", "production.archive_damaged")
      .where("object_id", "=", productionId)
      .execute();

  it("fails to decrypt an archive altered in the store, releasing nothing from the altered chunk on, and says so", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    const { productionId } = await fulfil(requestId, at(1));
    // Flip one byte in the middle of the stored ciphertext: same length, so only reading finds it.
    const stored = await readFile(archiveFile(productionId));
    stored[200] = 255 - (stored[200] as number);
    await writeFile(archiveFile(productionId), stored);
    const download = await openProductionDownload(database.db, {
      archives,
      productionId,
      actor: officer,
      keyring,
      now: at(2),
    });
    // Whichever notices first, the cipher (a chunk that does not authenticate) or the digest at the end.
    const failure = await readStream(download.stream).catch((error: unknown) => error);
    expect(failure instanceof IntegrityError || failure instanceof ArchiveDamagedError).toBe(true);
    await expect.poll(() => damageReports(productionId)).toHaveLength(1);
    expect((await damageReports(productionId))[0]?.payload).toMatchObject({
      archiveKey: archiveKeyOf(productionId),
      store: archives.location,
      problem: "altered",
    });
  });

  it("refuses the download of an archive missing from the store or cut short, the production still ready, and says so", async () => {
    for (const damage of ["missing", "truncated"] as const) {
      const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
      const { productionId } = await fulfil(requestId, at(1));
      if (damage === "missing") await unlink(archiveFile(productionId));
      else await writeFile(archiveFile(productionId), (await readFile(archiveFile(productionId))).subarray(0, 1000));
      await expect(
        openProductionDownload(database.db, { archives, productionId, actor: officer, keyring, now: at(2) }),
      ).rejects.toMatchObject({ reason: damage === "missing" ? "archive_missing" : "archive_damaged" });
      const row = await database.db
        .selectFrom("production")
        .select("status")
        .where("id", "=", productionId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("ready");
      const reports = await damageReports(productionId);
      expect(reports.map((r) => r.payload)).toEqual([
        expect.objectContaining({ problem: damage === "missing" ? "missing" : "altered" }),
      ]);
      const refused = await database.db
        .selectFrom("audit_event")
        .select("payload")
        .where("action", "=", "production.download_refused")
        .where("object_id", "=", productionId)
        .executeTakeFirstOrThrow();
      expect(refused.payload).toMatchObject({ reason: damage === "missing" ? "archive_missing" : "archive_damaged" });
    }
  });

  it("re-wraps keys on master key rotation without touching archives", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    const { productionId } = await fulfil(requestId, at(1));
    const archiveBefore = await readFile(archiveFile(productionId));
    const rotated = { current: parseMasterKey(generateMasterKeyText()), previous: [keyring.current] };
    const report = await rewrapProductionKeys(database.db, { keyring: rotated, actor: "cli:admin" });
    expect(report.rewrapped).toBeGreaterThan(0);
    const row = await database.db
      .selectFrom("production")
      .select("master_key_id")
      .where("id", "=", productionId)
      .executeTakeFirstOrThrow();
    expect(row.master_key_id).toBe(rotated.current.id);
    expect((await readFile(archiveFile(productionId))).equals(archiveBefore)).toBe(true);
    // Only the new key is needed from now on; the old one no longer opens it.
    const onlyNew = { current: rotated.current, previous: [] };
    await expect(
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId,
        actor: officer,
        keyring,
        now: at(2),
      }),
    ).rejects.toMatchObject({ reason: "key_unavailable" });
    const download = await openProductionDownload(database.db, {
      archives: settings.archives,
      productionId,
      actor: officer,
      keyring: onlyNew,
      now: at(2),
    });
    expect((await readStream(download.stream)).length).toBe(download.bytes);
    // Put the test keyring back in charge for the tests that follow.
    await rewrapProductionKeys(database.db, {
      keyring: { current: keyring.current, previous: [rotated.current] },
      actor: "cli:admin",
    });
  });

  it("purges a production after its retention: archive deleted, key erased, download refused", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    const { productionId } = await fulfil(requestId, at(1));
    await runDueJobs(database.db, jobHandlers(settings), {
      workerId: "test",
      now: () => at(1 + settings.retentionDays - 1),
    });
    expect(
      await database.db
        .selectFrom("production")
        .select("status")
        .where("id", "=", productionId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: "ready" });
    await runDueJobs(database.db, jobHandlers(settings), {
      workerId: "test",
      now: () => at(1 + settings.retentionDays),
    });
    const row = await database.db
      .selectFrom("production")
      .select(["status", "wrapped_key", "purged_at"])
      .where("id", "=", productionId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "purged", wrapped_key: null });
    expect(await archives.size(archiveKeyOf(productionId))).toBeUndefined();
    await expect(
      openProductionDownload(database.db, {
        archives: settings.archives,
        productionId,
        actor: officer,
        keyring,
        now: at(2),
      }),
    ).rejects.toMatchObject({ reason: "purged" });
  });

  it("holds the user notice until the non-disclosure order expires, then sends it", async () => {
    const requestId = await approvedRequest(database.db, {
      agencyId,
      document: warrant({ targets: [{ type: "username", value: "quietfox" }], nonDisclosure: { until: "2021-01-01" } }),
      now: RECEIVED,
    });
    await fulfil(requestId, at(1));
    const notices = () =>
      database.db
        .selectFrom("mail_outbox")
        .select(["recipient", "body"])
        .where("recipient", "=", "quietfox@example.net")
        .where("purpose", "=", "notice.user_delivered")
        .execute();
    expect(await notices()).toEqual([]);
    const job = await database.db
      .selectFrom("job")
      .select(["run_at", "status"])
      .where("kind", "=", "notice.send")
      .where(sql<boolean>`payload->>'requestId' = ${requestId}`)
      .executeTakeFirstOrThrow();
    expect(job.run_at.toISOString()).toBe("2021-01-02T00:00:00.000Z");
    await runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => new Date("2021-01-01T23:59:00Z") });
    expect(await notices()).toEqual([]);
    // The order is extended before it expires: the notice waits again.
    await database.db
      .updateTable("request")
      .set({ non_disclosure_until: "2021-03-01" })
      .where("id", "=", requestId)
      .execute();
    await runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => new Date("2021-01-02T00:00:00Z") });
    expect(await notices()).toEqual([]);
    await runDueJobs(database.db, jobHandlers(), { workerId: "test", now: () => new Date("2021-03-02T00:00:00Z") });
    const sent = await notices();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain("@quietfox");
  });

  const noticesTo = (recipient: string, purpose: string) =>
    database.db
      .selectFrom("mail_outbox")
      .select(["recipient", "body", "purpose"])
      .where("recipient", "=", recipient)
      .where("purpose", "=", purpose)
      .execute();

  it("tells the account's owner when a request is rejected", async () => {
    const intake = await intakeRequest(database.db, {
      agencyId,
      originalDocument: warrant({ targets: [{ type: "username", value: "nightowl_07" }] }),
      actor: "intake@desk",
      now: RECEIVED,
      agencyVerified: true,
    });
    await database.db
      .transaction()
      .execute((tx) =>
        transition(tx, intake.id, { to: "under_review", actor: "intake@desk", reason: "verified", now: RECEIVED }),
      );
    await recordReview(database.db, intake.id, {
      ...REVIEWED,
      reviewer: "counsel@desk",
      verdict: "reject",
      now: RECEIVED,
    });
    const sent = await noticesTo("nightowl07@example.co.uk", "notice.user_rejected");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain("declined to provide any data");
  });

  it("tells the owner of an account disclosed in an emergency only after the emergency", async () => {
    const intake = await intakeRequest(database.db, {
      agencyId,
      originalDocument: requestDocument({
        receivedAt: RECEIVED.toISOString(),
        jurisdiction: "US",
        process: "emergency",
        emergency: { justification: "credible threat to life" },
        targets: [{ type: "phone", value: "+4915112345678" }],
        categories: ["subscriber.phone", "subscriber.name"],
      }),
      actor: "intake@desk",
      now: RECEIVED,
      agencyVerified: true,
      emergencyVerified: true,
    });
    await database.db.transaction().execute((tx) =>
      transition(tx, intake.id, {
        to: "under_review",
        actor: "intake@desk",
        reason: "call-back made",
        now: RECEIVED,
      }),
    );
    const { id: deskUser } = await database.db
      .insertInto("app_user")
      .values({ email: "callbacks@desk.example", display_name: "Intake desk", role: "intake", agency_id: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordCallback(database.db, intake.id, agencyId, deskUser);
    await approve(database.db, intake.id, RECEIVED);
    const result = await fulfil(intake.id, RECEIVED);
    expect(result.targets).toEqual([{ target: "phone:+4915112345678", result: "data_produced", records: 2 }]);
    const sent = () => noticesTo("nordlicht@example.de", "notice.user_delivered");
    await runDueJobs(database.db, jobHandlers(), {
      workerId: "test",
      now: () => at(settings.emergencyNoticeDelayDays - 1),
    });
    expect(await sent()).toEqual([]);
    await runDueJobs(database.db, jobHandlers(), {
      workerId: "test",
      now: () => at(settings.emergencyNoticeDelayDays),
    });
    expect(await sent()).toHaveLength(1);
  });

  it("fulfils as a job, in the job's one transaction", async () => {
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    await database.db.transaction().execute((tx) => enqueueFulfilment(tx, requestId, "counsel@desk", at(1)));
    const handlers = jobHandlers(settings);
    const stderr = process.stderr.write;
    const lines: string[] = [];
    process.stderr.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stderr.write;
    try {
      expect(await runDueJobs(database.db, handlers, { workerId: "test", now: () => at(1) })).toEqual({
        ran: 1,
        failed: 0,
      });
    } finally {
      process.stderr.write = stderr;
    }
    expect(lines.some((l) => /request\.fulfil .*: package 100%/.test(l))).toBe(true);
    const production = await database.db
      .selectFrom("production")
      .select(["status", "started_by"])
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(production).toEqual({ status: "ready", started_by: "counsel@desk" });
    const request = await database.db
      .selectFrom("request")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe("delivered");
  });

  it("refuses to fulfil what is not approved, and refuses without a master key", async () => {
    const intakeOnly = await database.db
      .selectFrom("request")
      .select("id")
      .where("status", "=", "delivered")
      .executeTakeFirstOrThrow();
    await expect(fulfil(intakeOnly.id, at(1))).rejects.toMatchObject({ code: "invalid_transition" });
    const requestId = await approvedRequest(database.db, { agencyId, document: warrant(), now: RECEIVED });
    await expect(
      fulfilRequest(database.db, { requestId, actor: "cli", settings: { ...settings, keyring: undefined } }),
    ).rejects.toThrow(/master key/);
    // A decision made after the approval has not been approved, whatever it says.
    const approved = await database.db.transaction().execute((tx) => currentDecision(tx, requestId));
    await database.db.transaction().execute((tx) =>
      recordDecision(
        tx,
        requestId,
        {
          outcome: approved?.outcome as Decision["outcome"],
          policy: { name: "ExampleChat", version: "later" },
          needsReview: false,
          reviewReasons: [],
          humanRightsReview: false,
          items: approved?.items as DecisionItem[],
        },
        "policy_change",
        "admin",
        at(1),
      ),
    );
    await expect(fulfil(requestId, at(1))).rejects.toThrow(/is not the one approved/);
  });
});
