import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PERMISSIONS } from "../src/authz/authz.js";
import { parseRequestDocument } from "../src/domain/request.schema.js";
import { ROLES, STATUSES } from "../src/domain/vocabulary.js";
import { parsePolicyText } from "../src/policy/policy.load.js";
import { canTransition } from "../src/requests/lifecycle.js";
import { ROOT } from "./support/fixtures.js";

/**
 * The project documents itself: every link in its Markdown resolves inside the repository (a file that
 * exists, a heading that exists in it), nothing points outside it, the documents and the code cite docs/
 * rather than a design file that is not in the repository, the examples in docs/ are valid documents, and
 * the tables that restate a table of the code (the lifecycle's moves, the roles' permissions) say the same.
 */

const SKIP = new Set(["node_modules", "dist", ".git", ".custodian", ".ci"]);

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, keep);
    return keep(name) ? [path] : [];
  });
}

const markdown = filesUnder(ROOT, (name) => name.endsWith(".md"));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

function linksOf(file: string): string[] {
  // Code blocks and code spans are examples, not links.
  const text = readFileSync(file, "utf8")
    .replace(/```[\s\S]*?```/g, "")
    .replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
}

function codeBlock(file: string, language: string): string {
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(join(ROOT, file), "utf8"));
  if (!match) throw new Error(`no ${language} example in ${file}`);
  return match[1] as string;
}

describe("the documentation", () => {
  it("has the pages the README and the code cite", () => {
    for (const page of [
      "README.md",
      "roles.md",
      "vocabulary.md",
      "request.md",
      "policy.md",
      "decision.md",
      "lifecycle.md",
      "interfaces.md",
      "reports.md",
      "bench.md",
    ]) {
      expect(existsSync(join(ROOT, "docs", page)), `docs/${page}`).toBe(true);
    }
    expect(markdown.length).toBeGreaterThan(10);
  });

  it("links only to files and headings inside the repository", () => {
    const broken: string[] = [];
    for (const file of markdown) {
      const where = relative(ROOT, file);
      for (const link of linksOf(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//")) {
          broken.push(`${where}: ${link} points outside the repository`);
          continue;
        }
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
        if (relative(ROOT, target).startsWith("..")) {
          broken.push(`${where}: ${link} points outside the repository`);
        } else if (!existsSync(target)) {
          broken.push(`${where}: ${link} does not exist`);
        } else if (anchor && target.endsWith(".md") && !anchorsOf(target).has(anchor)) {
          broken.push(`${where}: ${link} names no heading of ${relative(ROOT, target)}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("cites docs/, never a design file outside the repository", () => {
    const code = [
      ...filesUnder(join(ROOT, "src"), (name) => /\.(ts|tsx)$/.test(name)),
      ...filesUnder(join(ROOT, "test"), (name) => /\.(ts|tsx)$/.test(name)),
      ...filesUnder(join(ROOT, "bench"), (name) => /\.(ts|cedar)$/.test(name)),
    ].filter((file) => file !== join(ROOT, "test", "docs-links.test.ts"));
    // In code, ../shared/ is src/shared/; in the documents it could only be a folder beside the repository.
    const citing = [
      ...markdown.map((file) => ({ file, banned: ["DESIGN §", "DESIGN.md", "../shared/"] })),
      ...code.map((file) => ({ file, banned: ["DESIGN §", "DESIGN.md"] })),
    ].flatMap(({ file, banned }) => {
      const text = readFileSync(file, "utf8");
      return banned.filter((s) => text.includes(s)).map((s) => `${relative(ROOT, file)}: ${s}`);
    });
    expect(citing).toEqual([]);
  });

  it("gives examples that the server accepts", () => {
    expect(parsePolicyText(codeBlock("docs/policy.md", "yaml"), "docs/policy.md").name).toBe("ExampleChat");
    expect(parseRequestDocument(JSON.parse(codeBlock("docs/request.md", "json"))).reference).toBe(
      "HKPF-2020-0712-0042",
    );
  });

  /** The rows of the first table in `file` whose first cell is code: [first cell, the other cells]. */
  function tableRows(file: string): Array<[string, string[]]> {
    return [...readFileSync(join(ROOT, file), "utf8").matchAll(/^\| (`[^|]*) \|(.*)\|$/gm)].map((m) => [
      m[1] as string,
      (m[2] as string).split("|").map((cell) => cell.trim()),
    ]);
  }

  it("gives the lifecycle's moves exactly as requests/lifecycle.ts allows them", () => {
    const rows = new Map(
      tableRows("docs/lifecycle.md")
        .filter(([first]) => STATUSES.includes(first.replaceAll("`", "") as never))
        .map(([first, cells]) => [first.replaceAll("`", ""), cells.at(-1) ?? ""]),
    );
    expect([...rows.keys()].sort()).toEqual([...STATUSES].sort());
    for (const from of STATUSES) {
      const documented = STATUSES.filter((to) => new RegExp(`(^|[ ,])${to}(,|$| )`).test(rows.get(from) ?? ""));
      expect(documented, `docs/lifecycle.md: moves from ${from}`).toEqual(
        STATUSES.filter((to) => canTransition(from, to)),
      );
    }
  });

  it("gives each action's roles exactly as authz.ts's PERMISSIONS does", () => {
    const documented = new Map<string, string[]>();
    for (const [first, cells] of tableRows("docs/roles.md")) {
      const roles = cells.at(-1) ?? "";
      const named = roles === "every role (an officer sees only their own agency)" ? [...ROLES] : roles.split(", ");
      for (const action of first.matchAll(/`([a-z_]+\.[a-z_]+)`/g)) documented.set(action[1] as string, named);
    }
    expect([...documented.keys()].sort()).toEqual(Object.keys(PERMISSIONS).sort());
    for (const [action, roles] of Object.entries(PERMISSIONS)) {
      expect([...(documented.get(action) ?? [])].sort(), `docs/roles.md: ${action}`).toEqual([...roles].sort());
    }
  });
});
