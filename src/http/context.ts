import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Action, Principal } from "../authz/authz.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import type { RejectionListener } from "../requests/reviews.service.js";
import { unauthenticated } from "../shared/errors.js";

/**
 * What every route and page is given: the app it registers on, the context it serves from, the access
 * rule it must declare, and the principal of the request it answers. Route and page files import this
 * file (and http/session.ts for cookies), never the composition root in src/server/app.ts.
 */

/**
 * Every route says who may call it: `public` (no sign-in), `signed-in` (any principal; the handler
 * authorizes against the object), or the action it performs, which `authorize` checks. The generated
 * authorization test walks these.
 */
export type Access = "public" | "signed-in" | Action;

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * A web page (src/web/): refusals are shown as pages, and a form post may carry its CSRF token in
     * the form instead of the header (http/session.ts checks it once the body is read).
     */
    page?: boolean;
  }
  interface FastifyInstance {
    /** Every route with its access rule, for the generated authorization and fuzz tests. */
    routeTable: RouteEntry[];
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The request body exactly as received (requests keep their original document verbatim). */
    rawBody: string | undefined;
    /** A page's signed-in write without the CSRF header: the form's token must be checked before anything is done. */
    csrfDeferred: boolean;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
  /** A web page (src/web/), which answers refusals with pages and redirects to sign-in. */
  page: boolean;
}

export interface AppContext {
  db: Db;
  config: Config;
  now: () => Date;
  /** What follows a rejection made through the API or the pages (wired in server/, from config). */
  onRejected: RejectionListener;
}

export type App = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * The caller of a route that is not public. The access hook has already refused an anonymous call to
 * such a route, so this throws only where a public route asks for a principal it does not have.
 */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw unauthenticated("sign in, or send an API token");
  return principal;
}
