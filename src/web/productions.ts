import { authorize, type Principal } from "../authz/authz.js";
import { authorizeObject } from "../authz/refusals.js";
import type { Db } from "../db/database.js";
import { notFound } from "../shared/errors.js";
import { isUuid } from "../shared/ids.js";

/**
 * What the portal shows of a request's productions (read only: the download itself, and its one-time
 * rule, stay in `openProductionDownload`). Callers have already authorized the request; the production's
 * page authorizes the production here, answering another agency's officer as if it did not exist.
 */

export interface ProductionView {
  id: string;
  status: "ready" | "downloaded" | "purged";
  sealedAt: Date | null;
  expiresAt: Date | null;
  downloadedAt: Date | null;
  downloadedBy: string | null;
  /** The tar's size: what the download will be. */
  bytes: number | null;
  dataProduced: boolean | null;
  files: Array<{ path: string; bytes: number }>;
  targets: Array<{ target: string; result: "data_produced" | "no_data"; records: number }>;
}

/** A request's sealed productions, newest first (one, unless a new decision was fulfilled again). */
export async function productionsOfRequest(db: Db, requestId: string): Promise<ProductionView[]> {
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
      sealedAt: row.sealed_at,
      expiresAt: row.expires_at,
      downloadedAt: row.downloaded_at,
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

/**
 * The request a production answers, for a principal who may read that request. An officer of another
 * agency gets the same not-found as for a production that does not exist (and the attempt is audited).
 */
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

/** 1234567 → "1.2 MB": sizes as an officer reads them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
