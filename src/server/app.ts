import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify from "fastify";
import { serializerCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { actorOf, authorize } from "../authz/authz.js";
import { auditRefusal } from "../authz/refusals.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { apiV1 } from "../http/api.js";
import type { App, AppContext, RouteEntry } from "../http/context.js";
import { logSerializers } from "../http/log.js";
import { swaggerOptions } from "../http/openapi.js";
import { problemFor, sendProblem } from "../http/problem.js";
import { canaryPageRoutes } from "../http/routes/canary.routes.js";
import { publicationPageRoutes } from "../http/routes/publications.routes.js";
import { reportPageRoutes } from "../http/routes/reports.routes.js";
import { CSRF_HEADER, identify } from "../http/session.js";
import { MAX_API_FIELDS, MAX_FIELD_BYTES, MAX_FILES } from "../http/uploads.js";
import { zodValidatorCompiler } from "../http/validation.js";
import { DomainError, unauthenticated } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { sendNotFoundPage, webPages } from "../web/pages.js";
import { configuredRejectionNotices } from "./review-outcomes.js";

/**
 * The composition root of the HTTP server, and the only one: JSON under /api/v1 (src/http/), validated at
 * the edge by the same zod schemas the OpenAPI document is generated from, errors as RFC 9457 problem
 * documents, an access rule on every route; the public report pages; the web desk (src/web/). Route and
 * page files import http/context.ts and http/session.ts, never this file.
 */

export interface AppOptions {
  db: Db;
  config: Config;
  now?: () => Date;
  logger?: boolean;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const context: AppContext = {
    db: options.db,
    config: options.config,
    now: options.now ?? (() => new Date()),
    onRejected: configuredRejectionNotices(options.config),
  };
  const app = Fastify({
    logger: options.logger
      ? {
          level: "info",
          // Secrets never reach a log: cookies, tokens and CSRF headers are cut out of every line.
          redact: ["req.headers.cookie", "req.headers.authorization", `req.headers["${CSRF_HEADER}"]`],
          // ... and a staff setup link out of the URL.
          serializers: logSerializers,
        }
      : false,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // Ids in logs and problem documents let a person quote a failure without quoting its content.
    genReqId: () => crypto.randomUUID(),
    // Errors Fastify raises before routing (a malformed percent-encoding in the path) are problems too.
    frameworkErrors: (error, request, reply) => sendProblem(reply, problemFor(error, request)),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Keep the body as sent: a request document is stored verbatim with its SHA-256.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    request.rawBody = body as string;
    if ((body as string).length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new ValidationError([{ path: "body", message: `is not valid JSON: ${(error as Error).message}` }]) as never);
    }
  });
  app.addContentTypeParser(
    ["text/yaml", "application/yaml", "text/plain"],
    { parseAs: "string" },
    (request, body, done) => {
      request.rawBody = body as string;
      done(null, body);
    },
  );
  const routeTable: RouteEntry[] = [];
  app.decorate("routeTable", routeTable);
  app.addHook("onRoute", (route) => {
    // Refused at start-up, not per request: a route without a rule would otherwise fail only when called,
    // and the hook that enforces the rule must not stand in the not-found handler's way.
    if (route.config?.access === undefined) {
      throw new Error(`route ${[route.method].flat().join(",")} ${route.url} declares no access rule`);
    }
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      routeTable.push({ method, url: route.url, access: route.config?.access, page: route.config?.page === true });
    }
  });
  app.decorateRequest("principal", undefined);
  app.decorateRequest("rawBody", undefined);
  app.decorateRequest("csrfDeferred", false);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(multipart, {
    limits: {
      fileSize: options.config.maxUploadBytes,
      files: MAX_FILES,
      fields: MAX_API_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
      parts: 16,
    },
  });
  await app.register(swagger, swaggerOptions());

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFor(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, "unhandled error");
    // Refused before its body was read to the end (too large): close, rather than read the rest.
    if (problem.status === 413 && !request.raw.readableEnded) reply.header("connection", "close");
    return sendProblem(reply, problem);
  });
  // An unknown address: the API answers with a problem document, anything else (a page, a typo, an
  // asset) with a page a person can read and leave.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (!/^\/api(\/|$)/.test(path)) return sendNotFoundPage(request, reply, path);
    return sendProblem(reply, {
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: `no route ${request.method} ${path}`,
      instance: `urn:request:${request.id}`,
    });
  });

  // Who is calling: a session cookie (plus CSRF token on writes) or a bearer API token (http/session.ts).
  app.addHook("onRequest", async (request) => {
    request.principal = await identify(context, request);
  });
  app.addHook("preHandler", async (request) => {
    // The not-found handler is no route: it declares nothing and shows nothing but that the address is unknown.
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    // Unreachable: onRoute refused every route without a rule at start-up.
    if (access === undefined) throw new Error(`route ${request.routeOptions.url} declares no access rule`);
    if (access === "public") return;
    if (!request.principal) throw unauthenticated("sign in, or send an API token");
    // The role (and a token's scope) is checked here for every route; handlers check the object.
    if (access === "signed-in") return;
    try {
      authorize(request.principal, access);
    } catch (error) {
      // A role reaching for what it may not do is written down like any other refusal: an officer probing
      // staff routes is exactly what an investigator looks for. The route is the object (no handler ran).
      if (error instanceof DomainError && error.code === "forbidden") {
        const params = request.params as Record<string, unknown> | undefined;
        await auditRefusal(
          context.db,
          {
            actor: actorOf(request.principal),
            objectType: "route",
            objectId: `${request.method} ${request.routeOptions.url}`,
            reason: error.message,
            details: {
              access,
              via: request.principal.via,
              agencyId: request.principal.agencyId,
              ...(typeof params?.id === "string" ? { id: params.id } : {}),
            },
          },
          context.now(),
        );
      }
      throw error;
    }
  });

  await app.register(apiV1(context), { prefix: "/api/v1" });
  await reportPageRoutes(app, context);
  await publicationPageRoutes(app, context);
  await canaryPageRoutes(app, context);
  await app.register(webPages(context));
  return app;
}
