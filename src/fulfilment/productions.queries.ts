import { z } from "zod";
import { authorize, type Principal } from "../authz/authz.js";
import { authorizeObject } from "../authz/refusals.js";
import type { Db } from "../db/database.js";
import { authorizeRequest } from "../requests/request.access.js";
import { notFound } from "../shared/errors.js";
import { isUuid } from "../shared/ids.js";

/**
 * What anyone reads of a request's productions, the portal's page and the API alike (read only: the
 * download itself, and its one-time rule, stay in `openProductionDownload`). Each entry point authorizes
 * first; an officer of another agency is answered as if the request or production did not exist.
 */

export const productionViewSchema = z.strictObject({
  id: z.uuid(),
  status: z.enum(["ready", "downloaded", "purged"]),
  sealedAt: z.iso.datetime().nullable(),
  /** After this the archive is purged and cannot be downloaded. */
  expiresAt: z.iso.datetime().nullable(),
  downloadedAt: z.iso.datetime().nullable(),
  /** The officer's address who downloaded it. */
  downloadedBy: z.string().nullable(),
  /** The tar's size: what the download will be. */
  bytes: z.number().int().nullable(),
  dataProduced: z.boolean().nullable(),
  files: z.array(z.strictObject({ path: z.string(), bytes: z.number().int() })),
  targets: z.array(
    z.strictObject({ target: z.string(), result: z.enum(["data_produced", "no_data"]), records: z.number().int() }),
  ),
});
export type ProductionView = z.infer<typeof productionViewSchema>;

/** A request's sealed productions, newest first (one, unless a new decision was fulfilled again). */
export async function listProductions(db: Db, principal: Principal, requestId: string): Promise<ProductionView[]> {
  await authorizeRequest(db, principal, "request.read", requestId);
  const rows = await db
    .selectFrom("production as p")
    .leftJoin("app_user as u", "u.id", "p.downloaded_by")
    .select([
      "p.id",
      "p.status",
      "p.sealed_at",
      "p.expires_at",
      "p.downloaded_at",
      "u.email as downloaded_by",
      "p.payload_bytes",
      "p.data_produced",
      "p.summary",
    ])
    .where("p.request_id", "=", requestId)
    .where("p.status", "in", ["ready", "downloaded", "purged"])
    .orderBy("p.started_at", "desc")
    .execute();
  if (rows.length === 0) return [];
  const targets = await db
    .selectFrom("production_target")
    .select(["production_id", "target", "result", "records"])
    .where(
      "production_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("position")
    .execute();
  return rows.map((row) => {
    const summary = (typeof row.summary === "string" ? JSON.parse(row.summary) : row.summary) as {
      files?: Array<{ path: string; bytes: number }>;
    } | null;
    return {
      id: row.id,
      status: row.status as ProductionView["status"],
      sealedAt: row.sealed_at?.toISOString() ?? null,
      expiresAt: row.expires_at?.toISOString() ?? null,
      downloadedAt: row.downloaded_at?.toISOString() ?? null,
      downloadedBy: row.downloaded_by,
      bytes: row.payload_bytes === null ? null : Number(row.payload_bytes),
      dataProduced: row.data_produced,
      files: (summary?.files ?? []).map((f) => ({ path: f.path, bytes: Number(f.bytes) })),
      targets: targets
        .filter((t) => t.production_id === row.id)
        .map((t) => ({ target: t.target, result: t.result, records: Number(t.records) })),
    };
  });
}

/** The request a production answers, for a principal who may read that request. */
export async function requestOfProduction(
  db: Db,
  principal: Principal,
  productionId: string,
  now: Date,
): Promise<string> {
  authorize(principal, "request.read");
  const row = isUuid(productionId)
    ? await db
        .selectFrom("production")
        .select(["request_id", "agency_id"])
        .where("id", "=", productionId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound(`production ${productionId}`);
  await authorizeObject(
    db,
    principal,
    "request.read",
    { type: "production", id: productionId, agencyId: row.agency_id },
    now,
  );
  return row.request_id;
}

/** Which of these requests had their production downloaded: a list says so rather than "ready to download". */
export async function downloadedRequests(db: Db, principal: Principal, requestIds: string[]): Promise<Set<string>> {
  authorize(principal, "request.list");
  if (requestIds.length === 0) return new Set();
  let query = db
    .selectFrom("production")
    .select("request_id")
    .where("request_id", "in", requestIds)
    .where("downloaded_at", "is not", null);
  // An officer learns only of their own agency's productions, whatever ids are asked about.
  if (principal.role === "agency") query = query.where("agency_id", "=", principal.agencyId ?? "");
  return new Set((await query.execute()).map((row) => row.request_id));
}
