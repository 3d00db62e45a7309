import { z } from "zod";
import {
  acknowledgeEmergencyPage,
  type EmergencyPageView,
  emergencyPageOf,
  PAGE_STATUSES,
} from "../../paging/emergency-page.service.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** An emergency's page to the on-call person (docs/paging.md): where it stands, and who on the desk has it. */

const pageView = z.object({
  status: z.enum(PAGE_STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
}) satisfies z.ZodType<EmergencyPageView>;

export async function pagingRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/requests/:id/emergency-page",
    {
      config: { access: "emergency.acknowledge" },
      schema: {
        operationId: "getEmergencyPage",
        summary: "An emergency's page to the on-call person: sent, failing or not configured, and who acknowledged it",
        tags: ["desk"],
        params: requestIdParams,
        response: { 200: pageView },
      },
    },
    async (request) => emergencyPageOf(db, principalOf(request), request.params.id),
  );

  api.post(
    "/requests/:id/emergency-page/acknowledgement",
    {
      config: { access: "emergency.acknowledge" },
      schema: {
        operationId: "acknowledgeEmergencyPage",
        summary: "Acknowledge an emergency's page: the desk shows who has it and since when (the first stands)",
        tags: ["desk"],
        params: requestIdParams,
        response: { 200: pageView },
      },
    },
    async (request) => acknowledgeEmergencyPage(db, principalOf(request), request.params.id, now()),
  );
}
