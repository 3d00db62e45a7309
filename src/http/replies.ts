import type { FastifyReply } from "fastify";
import type { Principal } from "../authz/authz.js";
import { openProductionDownload } from "../fulfilment/download.service.js";
import type { AppContext } from "./context.js";

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
      email: principal.email,
      role: principal.role,
      agencyId: principal.agencyId,
      via: principal.via,
      // A session exists only after the second factor was passed at sign-in; a token has none.
      mfa: principal.via === "session",
    },
    keyring: config.fulfilment.keyring,
    archives: config.fulfilment.archives,
    now: now(),
  });
  return reply
    .type(download.contentType)
    .header("content-disposition", `attachment; filename="${download.filename}"`)
    .header("content-length", String(download.bytes))
    .header("cache-control", "no-store")
    .send(download.stream);
}
