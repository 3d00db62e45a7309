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

export function problemFor(error: unknown, request: FastifyRequest): ProblemDocument {
  const instance = `urn:request:${request.id}`;
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

export function sendProblem(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return reply.code(problem.status).type("application/problem+json").serializer(JSON.stringify).send(problem);
}
