import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Db } from "../../src/db/database.js";
import { DirectoryArchiveStore } from "../../src/fulfilment/archive-dir.storage.js";
import { fulfilRequest } from "../../src/fulfilment/fulfilment.service.js";
import { seedMessengerStore } from "../../src/fulfilment/sources/messenger.seed.js";
import { readTar } from "../../src/fulfilment/tar.js";
import { transition } from "../../src/requests/lifecycle.js";
import { intakeRequest } from "../../src/requests/requests.service.js";
import { recordReview } from "../../src/requests/reviews.service.js";
import { type Keyring, parseMasterKey } from "../../src/shared/master-key.js";
import { REVIEWED, requestDocument } from "./fixtures.js";
import type { Desk } from "./http.js";

/** Test helpers for fulfilment: a keyring, an approved request, an officer, a tar read into memory. */

export function testKeyring(): Keyring {
  return { current: parseMasterKey(Buffer.alloc(32, 7).toString("base64")), previous: [] };
}

/** A directory archive store of its own, in the temporary directory. */
export function testArchiveStore(): DirectoryArchiveStore {
  return new DirectoryArchiveStore(mkdtempSync(join(tmpdir(), "custodian-test-archives-")));
}

export async function approvedRequest(
  db: Db,
  input: { agencyId: string; document: string; now: Date; submittedBy?: string },
): Promise<string> {
  const intake = await intakeRequest(db, {
    agencyId: input.agencyId,
    originalDocument: input.document,
    actor: "intake@desk",
    now: input.now,
    agencyVerified: true,
  });
  if (input.submittedBy) {
    await db.updateTable("request").set({ submitted_by: input.submittedBy }).where("id", "=", intake.id).execute();
  }
  await db
    .transaction()
    .execute((tx) =>
      transition(tx, intake.id, { to: "under_review", actor: "intake@desk", reason: "verified", now: input.now }),
    );
  await approve(db, intake.id, input.now);
  return intake.id;
}

/**
 * What a download test starts from: the demo messenger store seeded, and agency A's court order for one
 * of its accounts, submitted by officer A, approved and packaged.
 */
export async function deliveredProduction(desk: Desk): Promise<{ requestId: string; productionId: string }> {
  await seedMessengerStore(desk.db, {
    accounts: 6,
    seed: 3,
    from: new Date("2020-01-01T00:00:00Z"),
    to: new Date("2020-12-31T00:00:00Z"),
  });
  const now = desk.clock.now();
  const requestId = await approvedRequest(desk.db, {
    agencyId: desk.agencies.a,
    now,
    submittedBy: desk.accounts.officerA.userId,
    document: requestDocument({
      receivedAt: now.toISOString(),
      jurisdiction: "US",
      process: "court_order",
      targets: [{ type: "account_id", value: "1002993841" }],
      categories: ["subscriber.name", "subscriber.phone", "records.ip_logs"],
    }),
  });
  const { productionId } = await fulfilRequest(desk.db, {
    requestId,
    actor: "counsel@provider.example",
    settings: { ...desk.config.fulfilment, publicUrl: desk.config.publicUrl },
    now: desk.clock.now,
  });
  return { requestId, productionId };
}

/** Two people, as a disclosure that needs review requires: a reviewer recommends, counsel approves. */
export async function approve(db: Db, requestId: string, now: Date): Promise<void> {
  await recordReview(db, requestId, { ...REVIEWED, reviewer: "reviewer@desk", verdict: "recommend_approve", now });
  await recordReview(db, requestId, { ...REVIEWED, reviewer: "counsel@desk", verdict: "approve", now });
}

/** The confirmed call-back an emergency needs before it can be approved. */
export async function recordCallback(db: Db, requestId: string, agencyId: string, madeBy: string): Promise<void> {
  await db
    .insertInto("callback")
    .values({
      subject_type: "request",
      subject_id: requestId,
      agency_id: agencyId,
      called_number: "+12025550100",
      outcome: "confirmed",
      note: "duty officer confirmed",
      made_by: madeBy,
    })
    .execute();
}

export async function seedOfficer(db: Db, agencyId: string, email: string): Promise<string> {
  const { id } = await db
    .insertInto("app_user")
    .values({ email, display_name: "Officer", role: "agency", agency_id: agencyId })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

export async function readStream(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A tar's regular files by name (directories are listed with an empty body). */
export async function tarFiles(tar: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await readTar(
    (async function* () {
      yield tar;
    })(),
    async (entry) => {
      const parts: Buffer[] = [];
      return async (data) => {
        if (data) parts.push(Buffer.from(data));
        else files.set(entry.name, Buffer.concat(parts));
      };
    },
  );
  return files;
}

export async function readJsonFile<T>(dir: string, name: string): Promise<T> {
  return JSON.parse(await readFile(join(dir, name), "utf8")) as T;
}
