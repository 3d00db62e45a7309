import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { z } from "zod";
import { bearerHash, sameSecret } from "../auth/credentials.js";
import { type SessionPrincipal, sessionPrincipal, tokenPrincipal } from "../auth/sessions.service.js";
import { type Action, authorize, type Principal } from "../authz/authz.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { forbidden, unauthenticated } from "../shared/errors.js";
import { packageVersion } from "../shared/package.js";
import { checkWith, ValidationError } from "../shared/validation.js";
import { sendNotFoundPage, webPages } from "../web/pages.js";
import { problemFor, sendProblem } from "./problem.js";
import { agencyRoutes } from "./routes/agencies.routes.js";
import { auditRoutes } from "./routes/audit.routes.js";
import { authRoutes } from "./routes/auth.routes.js";
import { deskRoutes } from "./routes/desk.routes.js";
import { healthRoutes } from "./routes/health.routes.js";
import { holdRoutes } from "./routes/holds.routes.js";
import { productionRoutes } from "./routes/productions.routes.js";
import { reportApiRoutes, reportPageRoutes } from "./routes/reports.routes.js";
import { requestRoutes } from "./routes/requests.routes.js";

/**
 * The HTTP server: JSON under /api/v1, validated at the edge by the same zod schemas the OpenAPI
 * document is generated from, errors as RFC 9457 problem documents, and an access rule on every route.
 */

export const SESSION_COOKIE = "custodian_session";
export const CSRF_HEADER = "x-csrf-token";

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
     * the form instead of the header (checked by the pages once the body is read).
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

export interface AppOptions {
  db: Db;
  config: Config;
  now?: () => Date;
  logger?: boolean;
}

export interface AppContext {
  db: Db;
  config: Config;
  now: () => Date;
}

export type App = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  import("fastify").FastifyBaseLogger,
  ZodTypeProvider
>;

/** Validate each part of a request with its zod schema; problems are named `body.x`, `query.y`, `params.z`. */
export function zodValidatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string | undefined }) {
  return (data: unknown) => {
    const result = checkWith(schema as z.ZodType, data);
    if (result.ok) return { value: result.value };
    const part = httpPart === "querystring" ? "query" : (httpPart ?? "body");
    return {
      error: new ValidationError(
        result.problems.map((p) => ({ ...p, path: p.path ? `${part}.${p.path}` : part })),
      ) as unknown as Error,
    };
  };
}

export async function buildApp(options: AppOptions): Promise<App> {
  const context: AppContext = { db: options.db, config: options.config, now: options.now ?? (() => new Date()) };
  const app = Fastify({
    logger: options.logger
      ? {
          level: "info",
          // Secrets never reach a log: cookies, tokens and CSRF headers are cut out of every line.
          redact: ["req.headers.cookie", "req.headers.authorization", `req.headers["${CSRF_HEADER}"]`],
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
    limits: { fileSize: options.config.maxUploadBytes, files: 10, fields: 5, fieldSize: 1024 * 1024, parts: 16 },
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Custodian API",
        version: packageVersion(),
        description:
          "Receive, verify, decide, fulfil and account for government requests for user data. " +
          "Errors are application/problem+json (RFC 9457).",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
          token: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFor(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, "unhandled error");
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

  // Who is calling: a session cookie (plus CSRF token on writes) or a bearer API token.
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
    if (access !== "signed-in") authorize(request.principal, access);
  });

  const apiV1: FastifyPluginAsync = async (api) => {
    api.get("/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => app.swagger());
    await authRoutes(api as App, context);
    await requestRoutes(api as App, context);
    await deskRoutes(api as App, context);
    await agencyRoutes(api as App, context);
    await reportApiRoutes(api as App, context);
    await productionRoutes(api as App, context);
    await healthRoutes(api as App, context);
    await auditRoutes(api as App, context);
    await holdRoutes(api as App, context);
  };
  await app.register(apiV1, { prefix: "/api/v1" });
  await reportPageRoutes(app as App, context);
  await app.register(webPages(context));
  return app as App;
}

async function identify(context: AppContext, request: FastifyRequest): Promise<Principal | undefined> {
  const now = context.now();
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const principal = match?.[1] ? await tokenPrincipal(context.db, match[1], now) : undefined;
    if (!principal) throw unauthenticated("the API token is unknown, revoked or expired");
    return principal;
  }
  const sessionSecret = request.cookies[SESSION_COOKIE];
  if (!sessionSecret) return undefined;
  const principal = await sessionPrincipal(context.db, sessionSecret, now);
  if (!principal) return undefined;
  // A cookie rides along with any request the browser makes, including forged cross-site ones; a write
  // must also carry the CSRF token only the page that signed in knows.
  // A write to an unknown address does nothing, so it gets its 404 rather than a CSRF refusal.
  if (!["GET", "HEAD", "OPTIONS"].includes(request.method) && !request.is404) {
    // A page's form cannot set a header: its token travels in the body, read after this hook.
    if (request.routeOptions.config.page && request.headers[CSRF_HEADER] === undefined) request.csrfDeferred = true;
    else checkCsrf(principal, request);
  }
  return principal;
}

export function csrfMatches(principal: SessionPrincipal, token: string | undefined): boolean {
  return typeof token === "string" && token.length > 0 && sameSecret(bearerHash(token), principal.csrfHash);
}

function checkCsrf(principal: SessionPrincipal, request: FastifyRequest): void {
  const header = request.headers[CSRF_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (!csrfMatches(principal, token)) {
    throw forbidden(`a signed-in write needs the ${CSRF_HEADER} header given at sign-in`);
  }
}

export function setSessionCookie(reply: FastifyReply, secret: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    secure: true,
    sameSite: "strict",
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: "strict", path: "/" });
}
