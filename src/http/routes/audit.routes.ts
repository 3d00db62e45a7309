import { z } from "zod";
import { listAuditTrail, trailQuery } from "../../audit/audit.trail.js";
import { type App, type AppContext, principalOf } from "../context.js";

/** The whole audit trail, for auditors (`audit verify`, beside it, is in desk.routes.ts). */

const trailEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string(),
  details: z.record(z.string(), z.unknown()),
  position: z.number().int().nullable(),
});

export async function auditRoutes(api: App, { db }: AppContext): Promise<void> {
  api.get(
    "/audit/events",
    {
      config: { access: "audit.read" },
      schema: {
        operationId: "listAuditEvents",
        summary:
          "The whole audit trail, filtered by object, actor, action and time, newest (or oldest) first, keyset-paged",
        tags: ["audit"],
        querystring: trailQuery,
        response: { 200: z.object({ items: z.array(trailEvent), next: z.string().nullable() }) },
      },
    },
    async (request) => {
      const q = request.query;
      return listAuditTrail(db, principalOf(request), {
        ...q,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      });
    },
  );
}
