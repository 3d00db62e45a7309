import { z } from "zod";
import { listProductions, productionViewSchema } from "../../fulfilment/productions.queries.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { binary } from "../openapi.js";
import { sendProductionDownload } from "../replies.js";

/**
 * The agency's download of a production. Its access rule is `signed-in` on purpose: who may download
 * (an officer of the requesting agency, in a session that passed its second factor, once, before expiry)
 * is decided by `openProductionDownload`, which audits every refusal as well as the download; refusing
 * earlier, in the route's role check, would leave a staff member's or an API token's attempt unrecorded.
 */
export async function productionRoutes(api: App, context: AppContext): Promise<void> {
  api.get(
    "/requests/:id/productions",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "listProductions",
        summary: "A request's sealed productions, newest first: status, expiry, size, files and results per account",
        tags: ["productions"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: z.strictObject({ items: z.array(productionViewSchema) }) },
      },
    },
    async (request) => ({ items: await listProductions(context.db, principalOf(request), request.params.id) }),
  );

  api.get(
    "/productions/:id/download",
    {
      config: { access: "signed-in" },
      schema: {
        operationId: "downloadProduction",
        summary: "Download a production (once): the BagIt bag as a tar, decrypted as it streams",
        tags: ["productions"],
        params: z.strictObject({ id: z.uuid() }),
        // Only an officer's session that passed its second factor downloads; a token is refused (and audited).
        security: [{ session: [] }],
        response: {
          200: {
            description: "The BagIt bag as a tar archive",
            content: { "application/x-tar": { schema: binary } },
          },
        },
      },
    },
    async (request, reply) => sendProductionDownload(reply, context, principalOf(request), request.params.id),
  );
}
