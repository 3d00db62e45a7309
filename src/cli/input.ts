import { readFileSync } from "node:fs";
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
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (code ?? "cannot read");
    throw new ValidationError([{ path: "", message: `cannot read ${what} file: ${why}` }], displayName(path));
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
