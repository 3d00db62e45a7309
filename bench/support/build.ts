import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Compile this tree into dist/ for a bench whose child runs the package as an operator does: with a stale
 * dist/ the figures would be of older code, and nothing in the output would say so.
 */
export function buildDist(): void {
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
