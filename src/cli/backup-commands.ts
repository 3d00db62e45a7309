import { existsSync } from "node:fs";
import { checkBackupFile, restoreBackup, writeBackup } from "../backup/backup.service.js";
import { parseCommandArgs, requireOption, UsageError } from "./args.js";
import { configFrom, withDatabase } from "./context.js";

/** `custodian backup` and `custodian restore`: thin edges over src/backup. */

function size(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

export async function runBackup(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("backup", args, { data: { type: "string" }, out: { type: "string" } });
  const out = requireOption("backup", "out", values.out);
  return withDatabase(configFrom(values.data), async (database) => {
    const summary = await writeBackup(database, out);
    process.stdout.write(
      `backup of ${summary.rows} rows in ${summary.tables} tables (schema ${summary.migration}) written to ` +
        `${summary.file}: ${size(summary.bytes)}, sha256 ${summary.sha256}\n`,
    );
    return 0;
  });
}

export async function runRestore(args: string[]): Promise<number> {
  const [file, ...options] = args;
  if (file === undefined || file.startsWith("-"))
    throw new UsageError("restore: FILE (written by custodian backup) is required");
  const { values } = parseCommandArgs("restore", options, { data: { type: "string" } });
  if (!existsSync(file)) throw new UsageError(`restore: ${file} does not exist`);
  // The whole file is checked before any store is opened (or created): a damaged backup changes nothing.
  await checkBackupFile(file);
  return withDatabase(configFrom(values.data), async (database) => {
    const summary = await restoreBackup(database, file);
    process.stdout.write(
      `restored ${summary.rows} rows in ${summary.tables} tables (schema ${summary.migration}) from ${file}; ` +
        "check it with: custodian audit verify --against CHECKPOINTS\n",
    );
    return 0;
  });
}
