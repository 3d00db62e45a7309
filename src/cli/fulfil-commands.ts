import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, open, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { appendAudit } from "../audit/audit.js";
import type { Config } from "../config.js";
import { ArchiveDamagedError, ArchiveMissingError } from "../fulfilment/archive.storage.js";
import { verifyBag } from "../fulfilment/bagit.js";
import { productionKey, recordDamage, rewrapProductionKeys, storedArchive } from "../fulfilment/download.service.js";
import { fulfilRequest } from "../fulfilment/fulfilment.service.js";
import { createDecryptStream, HEADER_BYTES, parseHeader } from "../fulfilment/stream-cipher.js";
import { extractTar } from "../fulfilment/tar.js";
import { isUuid } from "../shared/ids.js";
import { generateMasterKeyText, type Keyring } from "../shared/master-key.js";
import { parseCommandArgs, positional, requireOption, UsageError } from "./args.js";
import { cliActor, configFrom, withDatabase, withSources } from "./context.js";
import { progressReporter } from "./progress.js";

/** Fulfilment from the command line: fulfil a request, check a package, manage the master key. */

const DATA = { data: { type: "string" } } as const;

function requireKeyring(command: string, config: Config): Keyring {
  const keyring = config.fulfilment.keyring;
  if (!keyring) {
    throw new UsageError(
      `${command}: CUSTODIAN_MASTER_KEY (or _FILE) must be set; make one with \`custodian keys generate\``,
    );
  }
  return keyring;
}

export async function runFulfil(args: string[]): Promise<number> {
  const [id, rest] = positional("fulfil", args, "the request ID");
  if (!isUuid(id)) throw new UsageError(`fulfil: "${id}" is not a request ID`);
  const { values } = parseCommandArgs("fulfil", rest, DATA);
  const config = configFrom(values.data);
  requireKeyring("fulfil", config);
  const progress = progressReporter();
  return withDatabase(config, ({ db }) =>
    withSources(config, db, async () => {
      try {
        const result = await fulfilRequest(db, {
          requestId: id,
          actor: cliActor(),
          settings: { ...config.fulfilment, publicUrl: config.publicUrl },
          onProgress: progress.update,
        });
        progress.done();
        const out = [
          `production ${result.productionId} ready: ${result.files.length} files, ${result.payloadBytes} bytes ` +
            `(${result.archiveBytes} encrypted); the agency may download it once until ${result.expiresAt.toISOString()}`,
          ...result.targets.map(
            (t) => `  ${t.target}: ${t.result === "no_data" ? "no data" : `${t.records} record(s)`}`,
          ),
          ...result.refused.map((r) => `  not produced: ${r.target} ${r.category}: ${r.reason}`),
        ];
        process.stdout.write(`${out.join("\n")}\n`);
        return 0;
      } catch (error) {
        progress.done();
        throw error;
      }
    }),
  );
}

async function emptyOrAbsent(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  return (await readdir(dir)).length === 0;
}

export async function runPackage(args: string[]): Promise<number> {
  const [sub, rest] = positional("package", args, "a subcommand (export, open, verify)");
  if (sub === "verify") {
    const [dir, options] = positional("package verify", rest, "DIR (an extracted bag)");
    parseCommandArgs("package verify", options, {});
    const report = await verifyBag(resolve(dir));
    if (report.ok) {
      process.stdout.write(`bag valid: ${report.payloadFiles} payload files, ${report.payloadBytes} bytes\n`);
      return 0;
    }
    process.stdout.write(`bag NOT valid:\n${report.problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 1;
  }
  if (sub === "export") {
    const [id, options] = positional("package export", rest, "the production ID");
    if (!isUuid(id)) throw new UsageError(`package export: "${id}" is not a production ID`);
    const { values } = parseCommandArgs("package export", options, { ...DATA, out: { type: "string" } });
    const out = requireOption("package export", "out", values.out);
    const config = configFrom(values.data);
    const { archives } = config.fulfilment;
    return withDatabase(config, async ({ db }) => {
      const row = await db
        .selectFrom("production")
        .select(["id", "request_id", "archive_key", "archive_sha256", "archive_bytes"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (!row) throw new UsageError(`package export: no production ${id}`);
      try {
        await pipeline(await storedArchive(db, archives, row), createWriteStream(out, { flags: "wx", mode: 0o600 }));
      } catch (error) {
        if (error instanceof ArchiveMissingError || error instanceof ArchiveDamagedError) {
          const problem = error instanceof ArchiveMissingError ? "missing" : "altered";
          await db.transaction().execute((tx) => recordDamage(tx, archives, row, problem, error.message, new Date()));
          await rm(out, { force: true });
        }
        throw error;
      }
      process.stdout.write(`encrypted archive of production ${id} written to ${out}\n`);
      return 0;
    });
  }
  if (sub === "open") {
    const [file, options] = positional("package open", rest, "FILE (an encrypted archive)");
    const { values } = parseCommandArgs("package open", options, { ...DATA, out: { type: "string" } });
    const out = resolve(requireOption("package open", "out", values.out));
    if (!(await emptyOrAbsent(out))) throw new UsageError(`package open: ${out} must be empty or not exist yet`);
    const config = configFrom(values.data);
    const keyring = requireKeyring("package open", config);
    const handle = await open(file, "r");
    const head = Buffer.alloc(HEADER_BYTES);
    await handle.read(head, 0, HEADER_BYTES, 0);
    await handle.close();
    const header = parseHeader(head);
    return withDatabase(config, async ({ db }) => {
      const key = await productionKey(db, keyring, header.packageId);
      const production = await db
        .selectFrom("production")
        .select(["bag_name"])
        .where("id", "=", header.packageId)
        .executeTakeFirstOrThrow();
      await db.transaction().execute((tx) =>
        appendAudit(
          tx,
          {
            actor: cliActor(),
            action: "production.opened",
            objectType: "production",
            objectId: header.packageId,
            payload: { file: resolve(file), out },
          },
          new Date(),
        ),
      );
      await mkdir(out, { recursive: true });
      try {
        const decrypted = createReadStream(file).pipe(createDecryptStream(() => key));
        await extractTar(decrypted, out);
      } catch (error) {
        // Only whole verified chunks were written, but an incomplete bag must not be mistaken for one.
        await rm(out, { recursive: true, force: true });
        throw error;
      }
      const report = await verifyBag(join(out, production.bag_name));
      if (!report.ok) {
        process.stdout.write(
          `decrypted, but the bag is NOT valid:\n${report.problems.map((p) => `  ${p}`).join("\n")}\n`,
        );
        return 1;
      }
      process.stdout.write(
        `decrypted and verified: ${join(out, production.bag_name)} (${report.payloadFiles} payload files, ` +
          `${report.payloadBytes} bytes; every chunk authenticated, every file matches manifest-sha256.txt)\n`,
      );
      return 0;
    });
  }
  throw new UsageError(`package: unknown subcommand "${sub}" (export, open, verify)`);
}

export async function runKeys(args: string[]): Promise<number> {
  const [sub, rest] = positional("keys", args, "a subcommand (generate, rotate)");
  if (sub === "generate") {
    parseCommandArgs("keys generate", rest, {});
    process.stdout.write(`${generateMasterKeyText()}\n`);
    return 0;
  }
  if (sub === "rotate") {
    const { values } = parseCommandArgs("keys rotate", rest, DATA);
    const config = configFrom(values.data);
    const keyring = requireKeyring("keys rotate", config);
    return withDatabase(config, async ({ db }) => {
      const report = await rewrapProductionKeys(db, { keyring, actor: cliActor() });
      process.stdout.write(
        `re-wrapped ${report.rewrapped} production key(s) under master key ${keyring.current.id}; ` +
          `${report.alreadyCurrent} already were. Archives were not touched.\n`,
      );
      return 0;
    });
  }
  throw new UsageError(`keys: unknown subcommand "${sub}" (generate, rotate)`);
}
