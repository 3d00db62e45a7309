import { z } from "zod";
import { publicKeyPem } from "../../audit/signing.js";
import { CANARY_STATEMENT_CODES, type CanaryDocument, canaryText } from "../../reports/canary.js";
import { latestCanary } from "../../reports/canary.service.js";
import { notFound } from "../../shared/errors.js";
import type { App, AppContext } from "../context.js";

/**
 * The warrant canary, public: the newest issued one as JSON under the API, and as /canary.txt with its
 * public key at /canary.pub for people and scripts. A lapsed canary is still served (with its expiry, and
 * a line above it saying it was not renewed): its silence is what it says.
 */

const canaryView = z.object({
  document: z.object({
    format: z.string(),
    issuer: z.string(),
    issuedAt: z.string(),
    expiresAt: z.string(),
    statements: z.array(z.object({ code: z.enum(CANARY_STATEMENT_CODES), text: z.string() })),
    freshness: z.object({ auditPosition: z.number(), auditHash: z.string() }),
    keyId: z.string(),
  }),
  signature: z.string(),
  expired: z.boolean(),
});

const NONE = "No warrant canary is published here.\n";

export async function canaryApiRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/canary",
    {
      config: { access: "public" },
      schema: {
        operationId: "getCanary",
        summary: "The newest warrant canary: the signed document, its Ed25519 signature, and whether it has lapsed",
        tags: ["reports"],
        response: { 200: canaryView },
      },
    },
    async () => {
      const canary = await latestCanary(db);
      if (!canary) throw notFound("warrant canary");
      return { ...canary, expired: lapsed(canary.document, now()) };
    },
  );
}

export async function canaryPageRoutes(app: App, { db, config, now }: AppContext): Promise<void> {
  app.get("/canary.txt", { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) => {
    const canary = await latestCanary(db);
    reply.header("cache-control", "no-cache");
    if (!canary) return reply.code(404).type("text/plain; charset=utf-8").send(NONE);
    const at = now();
    return reply
      .type("text/plain; charset=utf-8")
      .send(canaryText(canary, lapsed(canary.document, at) ? at : undefined));
  });

  app.get("/canary.pub", { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) => {
    if (!config.canary) return reply.code(404).type("text/plain; charset=utf-8").send(NONE);
    return reply.type("text/plain; charset=utf-8").send(publicKeyPem(config.canary.key));
  });
}

function lapsed(document: CanaryDocument, at: Date): boolean {
  return Date.parse(document.expiresAt) <= at.getTime();
}
