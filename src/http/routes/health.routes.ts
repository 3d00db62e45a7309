import { z } from "zod";
import { checkReadiness } from "../../server/readiness.js";
import type { App, AppContext } from "../context.js";
import { RETRY_AFTER_SECONDS } from "../problem.js";

/**
 * For load balancers and orchestrators. `/health` is liveness: the process answers, nothing else is
 * asked (a database outage must not get a healthy process restarted). `/ready` is readiness: the
 * database takes a write and the disks have room; 503 with every failed check named while not.
 */
const readiness = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ name: z.enum(["database", "disk"]), ok: z.boolean(), detail: z.string() })),
});

export async function healthRoutes(api: App, { db, config }: AppContext): Promise<void> {
  api.get(
    "/health",
    {
      config: { access: "public" },
      schema: {
        operationId: "getHealth",
        summary: "Liveness: the process answers (the database is not asked; see /ready)",
        tags: ["health"],
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  api.get(
    "/ready",
    {
      config: { access: "public" },
      schema: {
        operationId: "getReadiness",
        summary: "Readiness: the database takes a write and the disks have room; 503 naming what is not",
        tags: ["health"],
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const result = await checkReadiness(db, config);
      if (!result.ready) reply.code(503).header("retry-after", String(RETRY_AFTER_SECONDS));
      return result;
    },
  );
}
