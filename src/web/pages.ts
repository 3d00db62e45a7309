import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { SessionPrincipal } from "../auth/sessions.service.js";
import type { Principal } from "../authz/authz.js";
import { type App, type AppContext, csrfMatches } from "../http/app.js";
import { problemFor, withRetryAfter } from "../http/problem.js";
import { forbidden } from "../shared/errors.js";
import { packagePath } from "../shared/package.js";
import { adminPages } from "./admin.routes.js";
import { auditPages } from "./audit.routes.js";
import { deskPages } from "./desk.routes.js";
import { holdPages } from "./holds.js";
import { ErrorPage, NotFoundPage } from "./layout.js";
import { portalPages } from "./portal.routes.js";
import { signInPages } from "./signin.routes.js";

/**
 * The web desk: server-rendered pages (Preact components rendered to strings) under /signin, /portal,
 * /desk and /admin, served by the same process as the API and calling the same services. Forms post to
 * page routes; a small script in assets/ only enhances (local times, adding a target row).
 */

export const CSRF_COOKIE = "custodian_csrf";
export const CSRF_FIELD = "_csrf";

export interface PageRequestState {
  /** The session's CSRF token for the forms on this page, when the page sign-in left it in its cookie. */
  csrf: string | undefined;
}

export function pageCsrf(request: FastifyRequest): string | undefined {
  const principal = request.principal as SessionPrincipal | undefined;
  const token = request.cookies[CSRF_COOKIE];
  if (principal?.via !== "session" || !token) return undefined;
  return csrfMatches(principal, token) ? token : undefined;
}

/** A form's token, checked for a write whose token did not come in the header (app.ts defers it to here). */
export function checkFormCsrf(request: FastifyRequest, token: unknown): void {
  if (!request.csrfDeferred) return;
  const principal = request.principal as SessionPrincipal;
  if (typeof token !== "string" || !csrfMatches(principal, token)) {
    throw forbidden("this form has expired or did not come from Custodian's own page; reload the page and try again");
  }
  request.csrfDeferred = false;
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(`<!doctype html>${renderToString(page)}`);
}

/** The page for an address nothing answers to (the API's unknown addresses get a problem document instead). */
export function sendNotFoundPage(request: FastifyRequest, reply: FastifyReply, path: string): FastifyReply {
  const principal = request.principal;
  return sendPage(
    reply,
    NotFoundPage({ principal, csrf: pageCsrf(request), path, home: principal ? homeOf(principal) : undefined }),
    404,
  );
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header("location", location).send();
}

export function principalOf(request: FastifyRequest): Principal {
  return request.principal as Principal;
}

/** Where each role starts. */
export function homeOf(principal: Principal): string {
  if (principal.role === "agency") return "/portal";
  if (principal.role === "admin") return "/admin/jurisdictions";
  return "/desk";
}

export function webPages(context: AppContext): FastifyPluginAsync {
  // One encapsulated context: the form parser and the page error handler apply to pages only, not the API.
  return async (pages) => {
    await pages.register(fastifyStatic, { root: packagePath("assets"), serve: false });
    pages.get<{ Params: { "*": string } }>(
      "/assets/*",
      { config: { access: "public", page: true }, schema: { hide: true } },
      // sendFile resolves inside assets/ only; `..` cannot climb out.
      (request, reply) => reply.header("cache-control", "public, max-age=3600").sendFile(request.params["*"]),
    );
    // Asked for by browsers and crawlers at these fixed addresses.
    for (const file of ["favicon.ico", "robots.txt"]) {
      pages.get(`/${file}`, { config: { access: "public", page: true }, schema: { hide: true } }, (_request, reply) =>
        reply.header("cache-control", "public, max-age=86400").sendFile(file),
      );
    }
    await pages.register(formbody, { bodyLimit: 2 * 1024 * 1024 });
    // A form post whose token was not in a header carries it as a field: checked before any handler.
    pages.addHook("preHandler", async (request) => {
      if (!request.csrfDeferred || request.isMultipart()) return;
      const body = request.body as Record<string, unknown> | undefined;
      checkFormCsrf(request, body?.[CSRF_FIELD]);
    });
    // A multipart handler checks the token from the form's first field; one that forgets is refused here.
    pages.addHook("onSend", async (request, reply, payload) => {
      if (request.csrfDeferred && reply.statusCode < 400) {
        request.log.error({ url: request.url }, "a page write finished without checking its CSRF token");
        throw forbidden("the form's token was not checked");
      }
      return payload;
    });
    pages.setErrorHandler((error, request, reply) => {
      const problem = problemFor(error, request);
      if (problem.status >= 500) request.log.error({ err: error }, "unhandled error on a page");
      if (problem.status === 401) {
        const next = request.method === "GET" ? `?next=${encodeURIComponent(request.url)}` : "";
        return seeOther(reply, `/signin${next}`);
      }
      return sendPage(
        withRetryAfter(reply, problem),
        ErrorPage({ principal: request.principal, status: problem.status, title: problem.title, problem }),
        problem.status,
      );
    });
    await signInPages(pages as unknown as App, context);
    await portalPages(pages as unknown as App, context);
    await deskPages(pages as unknown as App, context);
    await adminPages(pages as unknown as App, context);
    await auditPages(pages as unknown as App, context);
    await holdPages(pages as unknown as App, context);
  };
}
