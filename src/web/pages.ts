import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../http/context.js";
import { problemFor, withRetryAfter } from "../http/problem.js";
import { checkDeferredFormCsrf, pageCsrf } from "../http/session.js";
import { packagePath } from "../shared/package.js";
import { adminPages } from "./admin.routes.js";
import { auditPages } from "./audit.routes.js";
import { correspondencePages } from "./correspondence.js";
import { deskPages } from "./desk.routes.js";
import { emergencyPagePages } from "./emergency-page.js";
import { ErrorPage } from "./error-pages.js";
import { holdPages } from "./holds.js";
import { NotFoundPage } from "./layout.js";
import { addresseePages } from "./portal.addressees.js";
import { portalPages } from "./portal.routes.js";
import { homeOf, seeOther, sendPage } from "./render.js";
import { setupPages } from "./setup.routes.js";
import { signInPages } from "./signin.routes.js";

/**
 * The web desk: server-rendered pages (Preact components rendered to strings) under /signin, /portal,
 * /desk and /admin, served by the same process as the API and calling the same services. Forms post to
 * page routes; a small script in assets/ only enhances (local times, adding a target row). Registered by
 * the composition root (src/server/app.ts).
 */
export function webPages(context: AppContext): FastifyPluginAsyncZod {
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
    checkDeferredFormCsrf(pages);
    pages.setErrorHandler((error, request, reply) => {
      const problem = problemFor(error, request);
      if (problem.status >= 500) request.log.error({ err: error }, "unhandled error on a page");
      if (problem.status === 401) {
        const next = request.method === "GET" ? `?next=${encodeURIComponent(request.url)}` : "";
        return seeOther(reply, `/signin${next}`);
      }
      return sendPage(
        withRetryAfter(reply, problem),
        ErrorPage({
          principal: request.principal,
          csrf: request.principal ? pageCsrf(request) : undefined,
          problem,
          path: request.url.split("?")[0] ?? "/",
        }),
        problem.status,
      );
    });
    await signInPages(pages, context);
    await setupPages(pages, context);
    await portalPages(pages, context);
    await addresseePages(pages, context);
    await deskPages(pages, context);
    await adminPages(pages, context);
    await auditPages(pages, context);
    await holdPages(pages, context);
    await emergencyPagePages(pages, context);
    await correspondencePages(pages, context);
  };
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
