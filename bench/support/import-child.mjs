// `custodian import` as the operator runs it (dist/cli/main.js), reporting its own peak RSS on exit: Node
// gives a parent no child's rusage, so the child says it (getrusage maxRSS, in KiB) as its last stderr line.
import { writeSync } from "node:fs";

process.on("exit", () => {
  writeSync(2, `\nmaxRSS ${process.resourceUsage().maxRSS}\n`);
});
process.argv = [process.argv[0], "custodian", ...process.argv.slice(2)];
await import(new URL("../../dist/cli/main.js", import.meta.url).href);
