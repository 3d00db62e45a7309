import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerHash, sameSecret } from "../auth/credentials.js";
import { type SessionPrincipal, sessionPrincipal, tokenPrincipal } from "../auth/sessions.service.js";
import type { Principal } from "../authz/authz.js";
import { forbidden, unauthenticated } from "../shared/errors.js";
import type { App, AppContext } from "./context.js";
import { pathForLog } from "./log.js";

/**
 * Who is calling, and the CSRF protocol, in one place.
 *
 * A caller is an API token (`Authorization: Bearer …`) or a browser session (an HttpOnly cookie). A
 * cookie rides along with any request the browser makes, including forged cross-site ones, so every
 * signed-in write by a session must also carry the session's CSRF token, which only a page of Custodian
 * (or the client that signed in through the API) knows:
 * - API clients send it in the `x-csrf-token` header (given to them at sign-in);
 * - a page's form cannot set a header, so page sign-in keeps the token in its own HttpOnly, SameSite=Strict
 *   cookie, each rendered form carries it as the `_csrf` field, and the check of a page write without the
 *   header is deferred until the body is read: before the handler for url-encoded forms
 *   (`checkDeferredFormCsrf`), from the first part for multipart forms (web/forms.ts calls
 *   `checkFormCsrf`), and a page write that finishes without either check is refused.
 */

export const SESSION_COOKIE = "custodian_session";
export const CSRF_HEADER = "x-csrf-token";
/** The page's copy of the session's CSRF token, written into each form it renders. */
export const CSRF_COOKIE = "custodian_csrf";
/** The form field a page's form carries its CSRF token in. */
export const CSRF_FIELD = "_csrf";

const COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: "strict", path: "/" } as const;

export async function identify(context: AppContext, request: FastifyRequest): Promise<Principal | undefined> {
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
  // A write to an unknown address does nothing, so it gets its 404 rather than a CSRF refusal.
  if (!["GET", "HEAD", "OPTIONS"].includes(request.method) && !request.is404) {
    // A page's form cannot set a header: its token travels in the body, read after this hook.
    if (request.routeOptions.config.page && request.headers[CSRF_HEADER] === undefined) request.csrfDeferred = true;
    else checkCsrfHeader(principal, request);
  }
  return principal;
}

/** The principal's browser session, when it came with one (a token has no session to end or CSRF token). */
export function isSession(principal: Principal | undefined): principal is SessionPrincipal {
  return principal?.via === "session";
}

function csrfMatches(principal: SessionPrincipal, token: string | undefined): boolean {
  return typeof token === "string" && token.length > 0 && sameSecret(bearerHash(token), principal.csrfHash);
}

function checkCsrfHeader(principal: SessionPrincipal, request: FastifyRequest): void {
  const header = request.headers[CSRF_HEADER];
  const token = Array.isArray(header) ? header[0] : header;
  if (!csrfMatches(principal, token)) {
    throw forbidden(`a signed-in write needs the ${CSRF_HEADER} header given at sign-in`);
  }
}

/** The session's CSRF token for the forms on a page, when the page sign-in left it in its cookie. */
export function pageCsrf(request: FastifyRequest): string | undefined {
  const principal = request.principal;
  const token = request.cookies[CSRF_COOKIE];
  if (!isSession(principal) || !token) return undefined;
  return csrfMatches(principal, token) ? token : undefined;
}

/** A form's token, checked for a page write whose token did not come in the header (`identify` deferred it). */
export function checkFormCsrf(request: FastifyRequest, token: unknown): void {
  if (!request.csrfDeferred) return;
  const principal = request.principal;
  if (!isSession(principal) || typeof token !== "string" || !csrfMatches(principal, token)) {
    throw forbidden("this form has expired or did not come from Custodian's own page; reload the page and try again");
  }
  request.csrfDeferred = false;
}

/**
 * The pages' half of the protocol, registered on the pages' own context: a url-encoded form's token is
 * checked before any handler runs; a multipart handler checks it from the form's first part, and one
 * that forgets is refused before its answer leaves.
 */
export function checkDeferredFormCsrf(pages: App): void {
  pages.addHook("preHandler", async (request) => {
    if (!request.csrfDeferred || request.isMultipart()) return;
    const body = request.body as Record<string, unknown> | undefined;
    checkFormCsrf(request, body?.[CSRF_FIELD]);
  });
  pages.addHook("onSend", async (request, reply, payload) => {
    if (request.csrfDeferred && reply.statusCode < 400) {
      request.log.error({ url: pathForLog(request.url) }, "a page write finished without checking its CSRF token");
      throw forbidden("the form's token was not checked");
    }
    return payload;
  });
}

export function setSessionCookie(reply: FastifyReply, secret: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, secret, { ...COOKIE_OPTIONS, expires: expiresAt });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
}

/** Page sign-in: the session cookie, and the CSRF token in its own cookie for the forms the pages render. */
export function setPageSessionCookies(
  reply: FastifyReply,
  opened: { sessionSecret: string; csrfToken: string; expiresAt: Date },
): void {
  setSessionCookie(reply, opened.sessionSecret, opened.expiresAt);
  reply.setCookie(CSRF_COOKIE, opened.csrfToken, { ...COOKIE_OPTIONS, expires: opened.expiresAt });
}

export function clearPageSessionCookies(reply: FastifyReply): void {
  clearSessionCookie(reply);
  reply.clearCookie(CSRF_COOKIE, COOKIE_OPTIONS);
}
