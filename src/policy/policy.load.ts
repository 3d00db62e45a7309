import { parseDocument } from "yaml";
import { parseWith, ValidationError } from "../shared/validation.js";
import { type CompiledPolicy, compilePolicy } from "./engine.js";
import { type PolicyDocument, policyDocumentSchema } from "./policy.schema.js";

/**
 * Parse and validate a policy from its YAML text. Nothing is half-applied: a policy is either valid
 * as a whole or rejected with every problem named.
 */
export function parsePolicyText(text: string, source?: string): PolicyDocument {
  // YAML 1.2 core schema: `2020-07-06` stays a string, `yes` is not a boolean.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, version: "1.2" });
  if (doc.errors.length > 0) {
    throw new ValidationError(
      doc.errors.map((error) => {
        const line = error.linePos?.[0];
        const where = line ? `line ${line.line}, column ${line.col}` : "";
        const first = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
        return { path: where, message: `not valid YAML: ${first}` };
      }),
      source,
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only now are aliases resolved: an unknown anchor (`*b`) or an alias bomb is found here.
    throw new ValidationError([{ path: "", message: `not valid YAML: ${(error as Error).message}` }], source);
  }
  return parseWith(policyDocumentSchema, value, source);
}

export function loadPolicy(text: string, source?: string): CompiledPolicy {
  return compilePolicy(parsePolicyText(text, source));
}

/**
 * The line of `text` a problem's path points at (`dataMap["records.last_seen"].retentionDays`,
 * `legalProcess.content[0]`), so a person reads "line 41" beside the field; a field that is missing is
 * shown at the nearest enclosing one that is there. Undefined when the text is not YAML at all.
 */
export function lineOfPath(text: string, path: string): number | undefined {
  const segments: Array<string | number> = [];
  for (const m of path.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) segments.push(m[1].replace(/\\(.)/g, "$1"));
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(m[3]);
  }
  const doc = parseDocument(text, { version: "1.2" });
  if (doc.errors.length > 0) return undefined;
  for (let length = segments.length; length > 0; length--) {
    const node = doc.getIn(segments.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return text.slice(0, node.range[0]).split("\n").length;
  }
  return undefined;
}
