import { createReadStream, openSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { parseRequestDocument, type RequestDocument } from "../domain/request.schema.js";
import { type CompiledPolicy, compilePolicy } from "../policy/engine.js";
import { parsePolicyText } from "../policy/policy.load.js";
import { ValidationError } from "../shared/validation.js";

/** Reading the files the CLI is pointed at: every failure becomes a ValidationError naming the file. */

/** How a file is named in messages: standard input has no name of its own. */
export function displayName(path: string): string {
  return path === "-" ? "<stdin>" : path;
}

export function readInputFile(path: string, what: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw unreadable(path, what, error);
  }
}

/** A file to read as it streams (a ledger of a million rows), opened now so that a missing file is said at once. */
export function openInputStream(path: string, what: string): Readable {
  if (path === "-") return process.stdin;
  try {
    return createReadStream("", { fd: openSync(path, "r"), highWaterMark: 1024 * 1024 });
  } catch (error) {
    throw unreadable(path, what, error);
  }
}

function unreadable(path: string, what: string, error: unknown): ValidationError {
  {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (code ?? "cannot read");
    return new ValidationError([{ path: "", message: `cannot read ${what} file: ${why}` }], displayName(path));
  }
}

export function readPolicyFile(path: string): CompiledPolicy {
  return compilePolicy(parsePolicyText(readInputFile(path, "policy"), displayName(path)));
}

export function readRequestFile(path: string): RequestDocument {
  const text = readInputFile(path, "request");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [{ path: "", message: `not valid JSON: ${(error as Error).message}` }],
      displayName(path),
    );
  }
  return parseRequestDocument(json, displayName(path));
}
