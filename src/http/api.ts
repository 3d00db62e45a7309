import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "./context.js";
import { addresseeRoutes } from "./routes/addressees.routes.js";
import { agencyRoutes } from "./routes/agencies.routes.js";
import { auditRoutes } from "./routes/audit.routes.js";
import { authRoutes } from "./routes/auth.routes.js";
import { canaryApiRoutes } from "./routes/canary.routes.js";
import { correspondenceRoutes } from "./routes/correspondence.routes.js";
import { deskRoutes } from "./routes/desk.routes.js";
import { enforcingStateRoutes } from "./routes/enforcing-state.routes.js";
import { healthRoutes } from "./routes/health.routes.js";
import { holdRoutes } from "./routes/holds.routes.js";
import { orderFactsRoutes } from "./routes/order-facts.routes.js";
import { pagingRoutes } from "./routes/paging.routes.js";
import { productionRoutes } from "./routes/productions.routes.js";
import { publicationApiRoutes } from "./routes/publications.routes.js";
import { reportApiRoutes } from "./routes/reports.routes.js";
import { requestRoutes } from "./routes/requests.routes.js";
import { userRoutes } from "./routes/users.routes.js";

/** The JSON API, registered by the composition root (src/server/app.ts) under /api/v1. */
export function apiV1(context: AppContext): FastifyPluginAsyncZod {
  return async (api) => {
    api.get("/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => api.swagger());
    await authRoutes(api, context);
    await requestRoutes(api, context);
    await deskRoutes(api, context);
    await userRoutes(api, context);
    await agencyRoutes(api, context);
    await addresseeRoutes(api, context);
    await reportApiRoutes(api, context);
    await canaryApiRoutes(api, context);
    await productionRoutes(api, context);
    await healthRoutes(api, context);
    await auditRoutes(api, context);
    await holdRoutes(api, context);
    await correspondenceRoutes(api, context);
    await pagingRoutes(api, context);
    await orderFactsRoutes(api, context);
    await enforcingStateRoutes(api, context);
    await publicationApiRoutes(api, context);
  };
}
