import { z } from "zod";
import { releaseHold, releaseHoldsOf } from "../../requests/holds.service.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** Releasing requests held for staff review after their submitter's suspension: each, or all of an account's. */

const releaseBody = z.strictObject({ note: text(2000) });
const released = { 200: z.object({ released: z.number().int() }) };

export async function holdRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.post(
    "/requests/:id/release",
    {
      config: { access: "request.release" },
      schema: {
        operationId: "releaseRequest",
        summary: "Release a request held for staff review (its submitter was suspended), with what was checked",
        tags: ["requests"],
        params: requestIdParams,
        body: releaseBody,
        response: released,
      },
    },
    async (request) => releaseHold(db, principalOf(request), request.params.id, request.body.note, now()),
  );

  api.post(
    "/users/:id/release-holds",
    {
      config: { access: "request.release" },
      schema: {
        operationId: "releaseHoldsOfUser",
        summary: "Release every request held because this account was suspended, with one note",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: releaseBody,
        response: released,
      },
    },
    async (request) => releaseHoldsOf(db, principalOf(request), request.params.id, request.body.note, now()),
  );
}
