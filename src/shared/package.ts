import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The package root: two levels above this module both in src/cli (tsx) and dist/cli (built). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
  return pkg.version;
}
