import { z } from "zod";
import { dsaCategorySchema } from "../../domain/dsa.js";
import { recordOrderFacts } from "../../requests/order-facts.service.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** Staff record the DSA report's facts on an order (docs/reports.md#the-dsa-report). */

const orderFactsSchema = z.object({
  illegalContentCategory: z.string().nullable(),
  receiptConfirmedAt: z.string().nullable(),
  effect: z.enum(["given", "not_executed"]).nullable(),
  effectAt: z.string().nullable(),
});

export async function orderFactsRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.post(
    "/requests/:id/order-facts",
    {
      config: { access: "request.record_facts" },
      schema: {
        operationId: "recordOrderFacts",
        summary:
          "Record an order's category of illegal content (or correct it), and when its receipt was confirmed to the authority (once)",
        tags: ["requests"],
        params: requestIdParams,
        body: z
          .strictObject({
            illegalContentCategory: dsaCategorySchema.optional(),
            receiptConfirmedAt: z.iso.datetime({ offset: true }).optional(),
            note: text(2000).optional(),
          })
          .refine((body) => body.illegalContentCategory !== undefined || body.receiptConfirmedAt !== undefined, {
            error: "give illegalContentCategory, receiptConfirmedAt or both",
          }),
        response: { 200: orderFactsSchema },
      },
    },
    async (request) => {
      const { illegalContentCategory, receiptConfirmedAt, note } = request.body;
      const facts = await recordOrderFacts(
        db,
        principalOf(request),
        request.params.id,
        {
          illegalContentCategory,
          receiptConfirmedAt: receiptConfirmedAt === undefined ? undefined : new Date(receiptConfirmedAt),
          note,
        },
        now(),
      );
      return { ...facts, effect: facts.effect as "given" | "not_executed" | null };
    },
  );
}
