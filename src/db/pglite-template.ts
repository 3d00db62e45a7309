import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * A new embedded store starts from a template: the data directory PGlite's initdb makes, dumped once when
 * the package is built (`npm run build`, which `npm ci` runs) and loaded into each new directory.
 * PGlite otherwise runs initdb inside WebAssembly for every new store, about 4.6 s of CPU against 1 s
 * for loading the dump: the largest part of `custodian demo`'s first start, and of every test that opens
 * a fresh store. The template holds nothing of Custodian's (no migration has run), so a store made from it
 * is the store initdb would have made; the file is named by PGlite's version and ignored when that
 * changes, and without it a store is made the slow way.
 */

const PGLITE_VERSION = (() => {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "../package.json"), "utf8")) as { version: string };
  return manifest.version;
})();

/** Beside the compiled code, whether this module runs from `src/` (tests) or `dist/`. */
export const TEMPLATE_FILE = new URL(`../../dist/pglite-initdb-${PGLITE_VERSION}.tar`, import.meta.url).pathname;

/** The template to load into `dataDir`, or undefined when the directory already holds a store. */
export function templateFor(dataDir: string | undefined): Blob | undefined {
  if (dataDir !== undefined && existsSync(join(dataDir, "PG_VERSION"))) return undefined;
  if (!existsSync(TEMPLATE_FILE)) return undefined;
  return new Blob([readFileSync(TEMPLATE_FILE)]);
}

/** Runs initdb once and writes its data directory as the template (renamed into place: never half-written). */
export async function writeTemplate(): Promise<string> {
  if (existsSync(TEMPLATE_FILE)) return TEMPLATE_FILE;
  const pglite = await PGlite.create();
  try {
    const dump = await pglite.dumpDataDir("none");
    const partial = `${TEMPLATE_FILE}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, TEMPLATE_FILE);
    return TEMPLATE_FILE;
  } finally {
    await pglite.close();
  }
}
