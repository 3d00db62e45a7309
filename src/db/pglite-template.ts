import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/**
 * A new embedded store starts from a template, dumped once when the package is built (`npm run build`,
 * which `npm ci` runs) and loaded into each new directory. PGlite otherwise runs initdb inside
 * WebAssembly for every new store, about 4.6 s of CPU against 1 s for loading the dump: the largest part
 * of `custodian demo`'s first start, and of every test that opens a fresh store.
 *
 * Two levels: `initdb` holds nothing of Custodian's, so a store made from it is the store initdb would
 * have made (every new store starts there); `latest` has this build's migrations applied as well, for a
 * caller that would apply them all at once anyway (`custodian demo`, ~2 s of CPU less). Each file is named
 * by what made it (PGlite's version; for `latest`, the migrations' names too, frozen as they are), so a
 * template of another version or another migration list is never loaded; without one, a store is made
 * the slow way.
 */
export type TemplateLevel = "initdb" | "latest";

const PGLITE_VERSION = (() => {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "../package.json"), "utf8")) as { version: string };
  return manifest.version;
})();

/** Beside the compiled code, whether this module runs from `src/` (tests) or `dist/`. */
const DIST = new URL("../../dist/", import.meta.url).pathname;

export function templateFile(level: TemplateLevel, migrationNames: readonly string[] = []): string {
  if (level === "initdb") return join(DIST, `pglite-initdb-${PGLITE_VERSION}.tar`);
  const schema = createHash("sha256").update(migrationNames.join("\n")).digest("hex").slice(0, 16);
  return join(DIST, `pglite-latest-${PGLITE_VERSION}-${schema}.tar`);
}

/**
 * The template to load into `dataDir`: the first of `files` that exists, or undefined when the directory
 * already holds a store or no template was built.
 */
export function templateFor(dataDir: string | undefined, files: readonly string[]): Blob | undefined {
  if (dataDir !== undefined && existsSync(join(dataDir, "PG_VERSION"))) return undefined;
  const file = files.find((candidate) => existsSync(candidate));
  return file === undefined ? undefined : new Blob([readFileSync(file)]);
}

/** Dumps `pglite`'s data directory to `file` (renamed into place: never half-written). */
export async function dumpTemplate(pglite: PGlite, file: string): Promise<void> {
  const dump = await pglite.dumpDataDir("none");
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
}
