import { z } from "zod";

/** One problem with an input, located by the path a person would write: `targets[0].value`. */
export interface Problem {
  path: string;
  message: string;
}

/**
 * Raised for any input from outside (file, HTTP body, CLI argument, policy) that does not match its
 * contract. It carries every problem found, so a caller can show them all at once, and nothing that
 * raised it has been applied.
 */
export class ValidationError extends Error {
  readonly code = "validation_failed";
  constructor(
    readonly problems: Problem[],
    readonly source?: string,
  ) {
    super(describeProblems(problems, source));
    this.name = "ValidationError";
  }
}

export function describeProblems(problems: Problem[], source?: string): string {
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const [first, ...rest] = lines;
  const head = source ? `${source}: ` : "";
  if (rest.length === 0) return `${head}${first ?? "invalid input"}`;
  return `${head}${first} (and ${rest.length} more: ${rest.join("; ")})`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A refused value as an error message quotes it: a string (cut to 100 characters) in quotes, a number or
 * boolean as it is, anything else by its kind. Never JSON.stringify: a value nested thousands deep (sent on
 * purpose) would overflow the stack and turn a 400 into a 500.
 */
export function quoted(input: unknown): string {
  if (typeof input === "string") return `"${input.length > 100 ? `${input.slice(0, 100)}…` : input}"`;
  if (typeof input === "number" || typeof input === "boolean" || input === null) return String(input);
  return Array.isArray(input) ? "(a list)" : `(a value of type ${typeof input})`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  return typeof value;
}

const FORMAT_HINTS: Record<string, string> = {
  datetime: "an ISO 8601 date-time with a time zone, like 2020-07-12T09:30:00Z",
  date: "a calendar date like 2020-07-01",
  email: "an e-mail address",
  regex: "in the expected format",
};

/**
 * Messages for the generic cases, worded for the person who wrote the file. Schemas give their own
 * message where the generic one would be vague (an unknown category names the category).
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "required";
      return `expected ${issue.expected === "array" ? "a list" : issue.expected}, got ${describeType(issue.input)}`;
    case "too_small":
      if (issue.minimum === 1 && (issue.origin === "array" || issue.origin === "string" || issue.origin === "set")) {
        return "must not be empty";
      }
      if (issue.origin === "array") return `must have at least ${issue.minimum} items`;
      if (issue.origin === "string") return `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "array") return `must have at most ${issue.maximum} items`;
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case "invalid_format":
      return `must be ${FORMAT_HINTS[issue.format] ?? issue.format}`;
    case "invalid_value":
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return "unknown field";
    default:
      return undefined;
  }
};

function problemsOf(error: z.ZodError): Problem[] {
  const problems: Problem[] = [];
  // zod can report a second, consequential issue at a path (a length check on a string given where a
  // list belongs; an existence check on a malformed date). The first one is the one that helps.
  const seen = new Set<string>();
  for (const issue of error.issues) {
    const key = formatPath(issue.path);
    if (issue.code !== "unrecognized_keys") {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...issue.path, key]), message: "unknown field" });
      }
    } else if (issue.code === "invalid_key") {
      // A record key that is not in the vocabulary: say what the key was checked against.
      for (const inner of issue.issues) problems.push({ path: formatPath(issue.path), message: inner.message });
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Parse `input` with `schema`, or throw a ValidationError listing every problem with its path. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, source?: string): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  throw new ValidationError(problemsOf(result.error), source);
}

/**
 * A bounded, trimmed-of-nothing, non-empty string: every free-text field in a contract has a limit. NUL is
 * refused: PostgreSQL cannot store it in text or jsonb, so it would fail the write instead of the input.
 */
export function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes("\0"), { error: "must not contain a NUL character" });
}

/** `parseWith` without the throw, for callers that report problems their own way (the HTTP edge). */
export function checkWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problems: Problem[] } {
  const result = schema.safeParse(input, { error: errorMap });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: problemsOf(result.error) };
}
