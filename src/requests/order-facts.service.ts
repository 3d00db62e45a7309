import { appendAudit } from "../audit/audit.js";
import type { Principal } from "../authz/authz.js";
import { auditingRefusals } from "../authz/refusals.js";
import type { Db } from "../db/database.js";
import type { DsaCategory } from "../domain/dsa.js";
import { conflict } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { lockRequest } from "./lifecycle.js";
import { authorizeRequest } from "./request.access.js";

/**
 * The facts on an order the DSA report counts that staff record (docs/reports.md#the-dsa-report): the
 * category of illegal content, where neither the document nor an EU order's offence gave one (or to
 * correct it), and the moment the authority was told of the order's receipt, for an order that came by
 * post or e-mail (an officer's submission is confirmed by its answer at intake). A confirmation is a fact
 * that happened: recorded once, never moved; a category may be corrected, each change on the trail.
 */

export interface OrderFactsInput {
  illegalContentCategory?: DsaCategory | undefined;
  receiptConfirmedAt?: Date | undefined;
  note?: string | undefined;
}

export interface OrderFacts {
  illegalContentCategory: string | null;
  receiptConfirmedAt: string | null;
  effect: string | null;
  effectAt: string | null;
}

export async function recordOrderFacts(
  db: Db,
  principal: Principal,
  requestId: string,
  input: OrderFactsInput,
  now: Date,
): Promise<OrderFacts> {
  const attempt = {
    actor: principal.email,
    objectType: "request",
    objectId: requestId,
    attempted: "order_facts",
  } as const;
  return auditingRefusals(db, attempt, now, () =>
    db.transaction().execute(async (tx) => {
      await authorizeRequest(tx, principal, "request.record_facts", requestId);
      await lockRequest(tx, requestId);
      const row = await tx
        .selectFrom("request")
        .select(["received_at", "illegal_content_category", "receipt_confirmed_at"])
        .where("id", "=", requestId)
        .executeTakeFirstOrThrow();
      const at = input.receiptConfirmedAt;
      if (at) {
        if (row.receipt_confirmed_at) {
          throw conflict(
            `request ${requestId}: receipt was already confirmed to the authority at ${row.receipt_confirmed_at.toISOString()}; a confirmation is not moved`,
          );
        }
        if (at < row.received_at || at > now) {
          throw new ValidationError([
            {
              path: "receiptConfirmedAt",
              message: `must be between the order's receipt (${row.received_at.toISOString()}) and now`,
            },
          ]);
        }
      }
      const category = input.illegalContentCategory;
      const changesCategory = category !== undefined && category !== row.illegal_content_category;
      // The same category again changes nothing and writes nothing.
      if (changesCategory || at) {
        await tx
          .updateTable("request")
          .set({
            ...(changesCategory ? { illegal_content_category: category } : {}),
            ...(at ? { receipt_confirmed_at: at } : {}),
          })
          .where("id", "=", requestId)
          .execute();
      }
      const entry = { actor: principal.email, objectType: "request", objectId: requestId } as const;
      if (changesCategory) {
        await appendAudit(
          tx,
          {
            ...entry,
            action: "request.category_recorded",
            payload: { category, from: row.illegal_content_category },
          },
          now,
        );
      }
      if (at) {
        await appendAudit(
          tx,
          {
            ...entry,
            action: "request.receipt_confirmed",
            payload: { at: at.toISOString(), means: "recorded", ...(input.note ? { note: input.note } : {}) },
          },
          now,
        );
      }
      return readOrderFacts(tx, requestId);
    }),
  );
}

export async function readOrderFacts(db: Pick<Db, "selectFrom">, requestId: string): Promise<OrderFacts> {
  const row = await db
    .selectFrom("request")
    .select(["illegal_content_category", "receipt_confirmed_at", "effect", "effect_at"])
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  return {
    illegalContentCategory: row.illegal_content_category,
    receiptConfirmedAt: row.receipt_confirmed_at?.toISOString() ?? null,
    effect: row.effect,
    effectAt: row.effect_at?.toISOString() ?? null,
  };
}
