import type { FastifyReply, FastifyRequest } from "fastify";
import { identitySkeleton } from "../auth/identity.js";
import { auditRefusal } from "../authz/refusals.js";
import type { App, AppContext } from "./context.js";

/**
 * The guard on every route where a password or code is tried against an e-mail address (the sign-in page,
 * POST /api/v1/session, registration). One counter per person, shared by all of those routes and by every
 * client address: a guesser cannot get fresh tries by switching between the page and the API, by padding,
 * re-casing or respelling the address in lookalike characters, or by coming from many addresses. Every
 * account's address has one skeleton, so an existing account and every spelling of its address share a
 * counter. The price, a guesser can hold one address back for a minute, is the one a lock-out always has.
 */

const MAX_TRIES = 10;
const WINDOW = "1 minute";

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

// One store per server: the page routes and the API routes are registered in different plugins of it.
const guards = new WeakMap<AppContext, Guard>();

export function identityGuard(app: App, context: AppContext): Guard {
  const existing = guards.get(context);
  if (existing) return existing;
  const limit = app.rateLimit({
    max: MAX_TRIES,
    timeWindow: WINDOW,
    keyGenerator: (request) => `identity:${identitySkeleton(emailOf(request))}`,
  });
  const guard: Guard = async (request, reply) => {
    try {
      await limit.call(app, request, reply);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 429) {
        const email = emailOf(request);
        await auditRefusal(
          context.db,
          {
            actor: email.trim().slice(0, 200) || "anonymous",
            objectType: "user",
            objectId: "sign-in",
            reason: `more than ${MAX_TRIES} tries in ${WINDOW} for this address`,
            details: { route: request.routeOptions.url, identity: identitySkeleton(email).slice(0, 200) },
          },
          context.now(),
        );
      }
      throw error;
    }
  };
  guards.set(context, guard);
  return guard;
}

function emailOf(request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | undefined;
  return typeof body?.email === "string" ? body.email : "";
}
