import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { DomainError, type ErrorCode } from "../shared/errors.js";
import { type Problem, ValidationError } from "../shared/validation.js";

/**
 * RFC 9457 problem documents: every error a client sees is one, naming the field where there is one.
 * Only what was wrong with the request is told; a server fault says only that it happened (and its id),
 * never a stack trace or a message from inside.
 */

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** Every field at fault, as `body.targets[0].value`. */
  errors?: Problem[];
}

const DOMAIN_STATUS: Record<ErrorCode, [number, string]> = {
  not_found: [404, "Not Found"],
  forbidden: [403, "Forbidden"],
  unauthenticated: [401, "Unauthorized"],
  invalid_transition: [409, "Conflict"],
  conflict: [409, "Conflict"],
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
};

/** Seconds a client is asked to wait (Retry-After) when the database is briefly away. */
export const RETRY_AFTER_SECONDS = 5;

const CONNECTION_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);

/**
 * Why the database cannot serve right now, if that is what `error` says: the server is restarting or
 * shutting down (SQLSTATE 57P01–57P03), the connection failed or was cut (class 08, a reset or refused
 * socket, pg's "Connection terminated"), or it ran out of room (class 53: disk full, memory, connections).
 * Such a failure is not the request's fault and passes: it is answered 503 with Retry-After, not 500.
 */
export function databaseUnavailable(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (/^57P0[123]$/.test(code)) return "the database is restarting";
    if (code.startsWith("08") || CONNECTION_CODES.has(code)) return "the database cannot be reached";
    if (code === "53100") return "the database is out of disk space";
    if (code.startsWith("53")) return "the database is out of resources";
  }
  if (typeof message === "string") {
    if (
      /Connection terminated|Client has encountered a connection error|Connection closed|timeout exceeded when trying to connect/i.test(
        message,
      )
    ) {
      return "the database cannot be reached";
    }
    if (/No space left on device/i.test(message)) return "the database is out of disk space";
  }
  return undefined;
}

export function problemFor(error: unknown, request: FastifyRequest): ProblemDocument {
  const instance = `urn:request:${request.id}`;
  const unavailable = databaseUnavailable(error);
  if (unavailable !== undefined) {
    return {
      type: "https://custodian.dev/problems/unavailable",
      title: "Service Unavailable",
      status: 503,
      detail: `The service is briefly unavailable (${unavailable}). Try again in a few seconds.`,
      instance,
    };
  }
  if (error instanceof ValidationError) {
    return {
      type: "https://custodian.dev/problems/validation",
      title: "Invalid input",
      status: 400,
      detail: error.message,
      errors: error.problems,
      instance,
    };
  }
  if (error instanceof DomainError) {
    const [status, title] = DOMAIN_STATUS[error.code];
    return { type: `https://custodian.dev/problems/${error.code}`, title, status, detail: error.message, instance };
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // Fastify's own refusals (malformed JSON, unknown content type, body too large, rate limit): their
    // messages describe the request, never the server.
    return {
      type: "about:blank",
      title: TITLES[status] ?? "Bad Request",
      status,
      detail: (error as Error).message,
      instance,
    };
  }
  return {
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: `the server failed; quote ${request.id} when reporting it`,
    instance,
  };
}

/** A 503 tells the client when to come back; pages and API alike. */
export function withRetryAfter(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return problem.status === 503 ? reply.header("retry-after", String(RETRY_AFTER_SECONDS)) : reply;
}

export function sendProblem(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return withRetryAfter(reply, problem)
    .code(problem.status)
    .type("application/problem+json")
    .serializer(JSON.stringify)
    .send(problem);
}
