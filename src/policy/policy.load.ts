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
