import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The house's floor plan, held by a test: no import cycle anywhere in src/, and the arrows that must point
 * down do. Type-only imports count (they tie files together for a reader too); test files do not.
 */

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const IMPORT = /^\s*(?:import|export)\b[^"']*?from\s*["'](\.[^"']+)["']|^\s*import\s*["'](\.[^"']+)["']/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.(test\.tsx?|d\.ts)$/.test(entry.name) ? [path] : [];
  });
}

/** Each file under `dir` with the files it imports (relative specifiers only: packages are not rooms). */
function importGraph(dir: string): Map<string, string[]> {
  const files = new Set(sourceFiles(dir));
  const resolve = (from: string, spec: string): string | undefined => {
    const base = normalize(join(dirname(from), spec));
    const stem = base.replace(/\.(js|jsx|ts|tsx|mjs)$/, "");
    return [`${stem}.ts`, `${stem}.tsx`, join(stem, "index.ts"), base].find((candidate) => files.has(candidate));
  };
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), "utf8");
    const targets = [...text.matchAll(IMPORT)]
      .map((m) => resolve(file, (m[1] ?? m[2]) as string))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Strongly connected groups of more than one file (or a file importing itself): Tarjan's algorithm. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || graph.get(v)?.includes(v)) groups.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups;
}

function reachable(graph: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const next of graph.get(file) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe("the import structure of src/", () => {
  const graph = importGraph("src");

  it("finds the files and their imports", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(join("src", "server", "app.ts"))).toContain(join("src", "http", "api.ts"));
  });

  it("has no import cycle", () => {
    const cycles = importCycles(graph).map((group) => `cycle of ${group.length} files: ${group.join(", ")}`);
    expect(cycles).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const looped = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["d.ts"]],
      ["e.ts", ["a.ts"]],
    ]);
    expect(importCycles(looped)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  });

  // The engine's own modules: what it answers, the compiled policy it reads, the EU regime's axis.
  const ENGINE_MODULES = ["decision.ts", "compile.ts", "eu-regime.ts"].map((file) => join("src", "policy", file));

  it("keeps the pure engine on the contract vocabulary: domain/, its own policy schema, shared validation and time", () => {
    const engine = join("src", "policy", "engine.ts");
    const outside = [...reachable(graph, engine)].filter(
      (file) =>
        file !== engine &&
        !ENGINE_MODULES.includes(file) &&
        !file.startsWith("src/domain/") &&
        file !== join("src", "policy", "policy.schema.ts") &&
        file !== "src/shared/validation.ts" &&
        file !== "src/shared/time.ts",
    );
    expect(outside).toEqual([]);
  });

  it("keeps the stages in order: requests/ reaches neither fulfilment/ nor notices/; jobs/ no slice that does the work", () => {
    const later = (from: string, floors: string[]) =>
      [...graph]
        .filter(([file]) => file.startsWith(`src/${from}/`))
        .flatMap(([file, targets]) =>
          targets.filter((t) => floors.some((f) => t.startsWith(`src/${f}/`))).map((t) => `${file} -> ${t}`),
        );
    expect(later("requests", ["fulfilment", "notices"])).toEqual([]);
    expect(later("jobs", ["requests", "fulfilment", "notices", "preservation"])).toEqual([]);
  });

  it("has one composition root: only src/server/ and the CLI above it import it", () => {
    const importers = [...graph]
      .filter(([, targets]) => targets.includes("src/server/app.ts") || targets.includes("src/server/server.ts"))
      .map(([file]) => relative("src", file).split("/")[0]);
    expect([...new Set(importers)].sort()).toEqual(["cli", "server"]);
  });
});
