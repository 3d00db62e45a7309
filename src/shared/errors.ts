/**
 * The domain's error vocabulary. Thrown anywhere, mapped in one place (CLI: one line and an exit code;
 * HTTP: an RFC 9457 problem document). `ValidationError` (validation.ts) is the fifth member.
 */
export type ErrorCode = "not_found" | "forbidden" | "unauthenticated" | "invalid_transition" | "conflict";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("not_found", `${what} not found`);
export const conflict = (message: string) => new DomainError("conflict", message);
export const invalidTransition = (message: string) => new DomainError("invalid_transition", message);
export const forbidden = (message: string) => new DomainError("forbidden", message);
export const unauthenticated = (message: string) => new DomainError("unauthenticated", message);

/**
 * A refusal by the machinery rather than the domain, which the operator can act on: the data directory is
 * in use by another process, the server is not durable, an archive fails authentication, a master key is
 * not configured. The CLI prints it as one line (exit 1); over HTTP it stays a 500 whose cause is not shown,
 * since the caller cannot fix it.
 */
export class OperationalError extends Error {}
