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
