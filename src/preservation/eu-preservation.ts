import { appendAudit } from "../audit/audit.js";
import type { Tx } from "../db/database.js";
import type { LegalBasis } from "../domain/legal-basis.schema.js";
import { EPOC_PR_EXTENSION_DAYS } from "../requests/clocks.js";
import { transition } from "../requests/lifecycle.js";
import { ValidationError } from "../shared/validation.js";
import { extendLockedHold } from "./preservation.service.js";

/**
 * Annex V and Annex VI act on the EPOC-PR they name (Art. 11(1) Regulation (EU) 2023/1543;
 * docs/regimes.md#epoc-pr-extension-and-confirmation): an Annex VI extends its preservation once, by 30 days;
 * an Annex V confirms that a request for production follows, and the data are then kept until production.
 * Done in the transaction that stores the Annex V or VI, which then closes (it holds nothing of its own);
 * one that names no preserved EPOC-PR of the same agency, or asks what the Regulation does not allow, is
 * refused naming the field, and nothing of it is stored.
 */

export function actsOnPreservation(basis: Pick<LegalBasis, "regime" | "instrument"> | null | undefined): boolean {
  return (
    basis?.regime === "eu_e_evidence" &&
    (basis.instrument === "annex_v_confirmation" || basis.instrument === "annex_vi_extension")
  );
}

export async function actOnEuPreservation(
  tx: Tx,
  order: {
    requestId: string;
    agencyId: string;
    basis: Pick<LegalBasis, "instrument" | "relatesTo">;
    actor: string;
    now: Date;
  },
): Promise<void> {
  const { basis, now, actor } = order;
  const held = await tx
    .selectFrom("preservation_hold as h")
    .innerJoin("request as r", "r.id", "h.request_id")
    .select(["h.id", "h.request_id", "h.expires_at", "h.extensions", "h.confirmed_at", "r.reference"])
    .where("r.agency_id", "=", order.agencyId)
    .where("r.reference", "=", basis.relatesTo ?? "")
    .where("r.regime", "=", "eu_e_evidence")
    .where("r.instrument", "=", "epoc_pr")
    .where("h.status", "=", "active")
    .forUpdate("h")
    .executeTakeFirst();
  if (!held) {
    throw new ValidationError([
      {
        path: "legalBasis.relatesTo",
        message: `no EPOC-PR of this agency with reference "${basis.relatesTo}" is preserved`,
      },
    ]);
  }
  let reason: string;
  if (basis.instrument === "annex_vi_extension") {
    if (held.confirmed_at) {
      throw new ValidationError([
        {
          path: "legalBasis.instrument",
          message: `the EPOC-PR "${held.reference}" was confirmed on Annex V: it is kept until production`,
        },
      ]);
    }
    if (held.extensions >= 1) {
      throw new ValidationError([
        {
          path: "legalBasis.instrument",
          message: `the EPOC-PR "${held.reference}" was already extended once (Art. 11(1): one extension of 30 days)`,
        },
      ]);
    }
    const { expiresAt } = await extendLockedHold(tx, held, EPOC_PR_EXTENSION_DAYS, actor, now, order.requestId);
    reason = `Annex VI: the preservation of ${held.reference} extended by ${EPOC_PR_EXTENSION_DAYS} days, to ${expiresAt.toISOString()}`;
  } else {
    await tx
      .updateTable("preservation_hold")
      .set({ confirmed_at: now, confirmed_by: order.requestId })
      .where("id", "=", held.id)
      .execute();
    await appendAudit(
      tx,
      {
        actor,
        action: "preservation.confirmed",
        objectType: "preservation_hold",
        objectId: held.id,
        payload: { requestId: held.request_id, confirmedBy: order.requestId },
      },
      now,
    );
    reason = `Annex V: the preservation of ${held.reference} is kept until production`;
  }
  await transition(tx, order.requestId, { to: "closed", actor, reason, now });
}

/**
 * An EPOC that follows a preservation names its EPOC-PR in `relatesTo`. When that EPOC's production is
 * delivered, the EPOC-PR's hold confirmed on Annex V ("kept until production", Art. 11(1)) has done its
 * work: it is released and the EPOC-PR closed, in the delivering transaction. A hold not confirmed keeps
 * its own expiry; one of another agency is not touched.
 */
export async function releaseConfirmedHoldOnDelivery(
  tx: Tx,
  delivered: { requestId: string; actor: string; now: Date },
): Promise<void> {
  const request = await tx
    .selectFrom("request")
    .select(["agency_id", "regime", "instrument", "legal_basis", "reference"])
    .where("id", "=", delivered.requestId)
    .executeTakeFirstOrThrow();
  const relatesTo = (request.legal_basis as LegalBasis | null)?.relatesTo;
  if (request.regime !== "eu_e_evidence" || request.instrument !== "epoc" || !relatesTo) return;
  const held = await tx
    .selectFrom("preservation_hold as h")
    .innerJoin("request as r", "r.id", "h.request_id")
    .select(["h.id", "h.request_id", "r.status"])
    .where("r.agency_id", "=", request.agency_id)
    .where("r.reference", "=", relatesTo)
    .where("r.instrument", "=", "epoc_pr")
    .where("h.status", "=", "active")
    .where("h.confirmed_at", "is not", null)
    .forUpdate("h")
    .execute();
  for (const hold of held) {
    await tx.updateTable("preservation_hold").set({ status: "released" }).where("id", "=", hold.id).execute();
    await appendAudit(
      tx,
      {
        actor: delivered.actor,
        action: "preservation.released",
        objectType: "preservation_hold",
        objectId: hold.id,
        payload: { requestId: hold.request_id, deliveredFor: delivered.requestId },
      },
      delivered.now,
    );
    if (hold.status === "preserved") {
      await transition(tx, hold.request_id, {
        to: "closed",
        actor: delivered.actor,
        reason: `Annex V: the production it was kept for (${request.reference}) was delivered`,
        now: delivered.now,
      });
    }
  }
}
