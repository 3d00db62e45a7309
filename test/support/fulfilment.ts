import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Db } from "../../src/db/database.js";
import { type Keyring, parseMasterKey } from "../../src/fulfilment/keyring.js";
import { readTar } from "../../src/fulfilment/tar.js";
import { transition } from "../../src/requests/lifecycle.js";
import { intakeRequest } from "../../src/requests/requests.service.js";
import { recordReview } from "../../src/requests/reviews.service.js";

/** Test helpers for fulfilment: a keyring, an approved request, an officer, a tar read into memory. */

export function testKeyring(): Keyring {
  return { current: parseMasterKey(Buffer.alloc(32, 7).toString("base64")), previous: [] };
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

/** Two people, as a disclosure that needs review requires: a reviewer recommends, counsel approves. */
export async function approve(db: Db, requestId: string, now: Date): Promise<void> {
  await recordReview(db, requestId, { reviewer: "reviewer@desk", verdict: "recommend_approve", now });
  await recordReview(db, requestId, { reviewer: "counsel@desk", verdict: "approve", now });
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
