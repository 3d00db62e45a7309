import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { formatPath, type Problem } from "./validation.js";

/**
 * The deployment's configuration files (data sources, addressees): YAML or JSON, read once at start,
 * every problem listed under the file's label rather than the first one thrown.
 */

export function readConfigFile(file: string, label: string, problems: Problem[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push({ path: label, message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}` });
    return undefined;
  }
  try {
    // YAML is a superset of JSON: one parser reads both. Duplicate keys are an error, not a silent override.
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    problems.push({ path: label, message: `not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}` });
    return undefined;
  }
}

export function zodProblems(error: z.ZodError, prefix: string, problems: Problem[]) {
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    problems.push({ path: path ? `${prefix} ${path}` : prefix, message: issue.message });
  }
}
