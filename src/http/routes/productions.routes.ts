import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { Principal } from "../../authz/authz.js";
import { openProductionDownload } from "../../fulfilment/download.service.js";
import type { App, AppContext } from "../app.js";

/**
 * The agency's download of a production. Its access rule is `signed-in` on purpose: who may download
 * (an officer of the requesting agency, in a session that passed its second factor, once, before expiry)
 * is decided by `openProductionDownload`, which audits every refusal as well as the download; refusing
 * earlier, in the route's role check, would leave a staff member's or an API token's attempt unrecorded.
 */
export async function productionRoutes(api: App, context: AppContext): Promise<void> {
  api.get(
    "/productions/:id/download",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Download a production (once): the BagIt bag as a tar, decrypted as it streams",
        tags: ["productions"],
        params: z.strictObject({ id: z.uuid() }),
      },
    },
    async (request, reply) => sendProductionDownload(reply, context, request.principal as Principal, request.params.id),
  );
}

/** Stream a production to `principal` if `openProductionDownload` allows it (the API's route and the portal's). */
export async function sendProductionDownload(
  reply: FastifyReply,
  { db, config, now }: AppContext,
  principal: Principal,
  productionId: string,
): Promise<FastifyReply> {
  const download = await openProductionDownload(db, {
    productionId,
    actor: {
      userId: principal.userId,
      role: principal.role,
      agencyId: principal.agencyId,
      via: principal.via,
      // A session exists only after the second factor was passed at sign-in; a token has none.
      mfa: principal.via === "session",
    },
    keyring: config.fulfilment.keyring,
    now: now(),
  });
  return reply
    .type(download.contentType)
    .header("content-disposition", `attachment; filename="${download.filename}"`)
    .header("content-length", String(download.bytes))
    .header("cache-control", "no-store")
    .send(download.stream);
}
