import { refreshPlannerStatistics } from "../db/statistics.js";
import { importLedger } from "../ledger/ledger.service.js";
import { parseCommandArgs, UsageError } from "./args.js";
import { cliActor, configFrom, withDatabase } from "./context.js";
import { displayName, openInputStream } from "./input.js";

/** `custodian import`: a thin edge over src/ledger; the file is streamed, never read whole. */

export async function runImport(args: string[]): Promise<number> {
  const [file, ...options] = args;
  if (file === undefined || (file.startsWith("-") && file !== "-")) {
    throw new UsageError("import: FILE.csv is required (a ledger of past requests; see README)");
  }
  const { values } = parseCommandArgs("import", options, { data: { type: "string" } });
  const input = openInputStream(file, "ledger");
  return withDatabase(configFrom(values.data), async ({ db, driver }) => {
    const result = await importLedger(db, input, { source: displayName(file), actor: cliActor(), now: new Date() });
    // A server's autovacuum analyzes what was imported within a minute; PGlite has none.
    if (driver === "pglite") await refreshPlannerStatistics(db);
    process.stdout.write(
      `imported ${result.imported} request(s) from ${displayName(file)} (sha256 ${result.sha256})` +
        `${result.agenciesCreated ? `, ${result.agenciesCreated} new agency(ies) registered` : ""}\n`,
    );
    return 0;
  });
}
