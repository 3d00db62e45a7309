import type { z } from "zod";
import { checkWith, ValidationError } from "../shared/validation.js";

/** Validate each part of a request with its zod schema; problems are named `body.x`, `query.y`, `params.z`. */
export function zodValidatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string | undefined }) {
  return (data: unknown) => {
    const result = checkWith(schema as z.ZodType, data);
    if (result.ok) return { value: result.value };
    const part = httpPart === "querystring" ? "query" : (httpPart ?? "body");
    return {
      error: new ValidationError(
        result.problems.map((p) => ({ ...p, path: p.path ? `${part}.${p.path}` : part })),
      ) as unknown as Error,
    };
  };
}
