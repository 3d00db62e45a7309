import { existsSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { latestCheckpoint, sealAudit } from "../audit/seal.js";
import { type Checkpoint, publicKeyPem } from "../audit/signing.js";
import { verifyAudit } from "../audit/verify.js";
import { normaliseEmail } from "../auth/identity.js";
import { operatorAddsStaff, SETUP_HOURS } from "../auth/staff.service.js";
import { migrateToLatest } from "../db/migrate.js";
import { jurisdictionSchema } from "../domain/domain.schema.js";
import { runDueJobs } from "../jobs/jobs.js";
import { pauseJurisdiction, resumeJurisdiction } from "../jurisdictions/jurisdictions.service.js";
import { activatePolicy } from "../policy/policy.store.js";
import { configuredJobHandlers } from "../server/job-handlers.js";
import { parseWith, ValidationError } from "../shared/validation.js";
import { parseCommandArgs, positional, requireOption, UsageError } from "./args.js";
import { cliOperator, configFrom, withDatabase, withSources } from "./context.js";
import { readInputFile } from "./input.js";

/** The commands that work on the store: thin edges over the services. */

const DATA = { data: { type: "string" } } as const;

export async function runMigrate(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("migrate", args, DATA);
  await withDatabase(configFrom(values.data), async ({ db, driver }) => {
    const report = await migrateToLatest(db);
    process.stdout.write(
      `${driver}: schema at ${report.current ?? "(none)"}${report.applied.length ? ` (applied ${report.applied.join(", ")})` : ", nothing to apply"}\n`,
    );
  });
  return 0;
}

export async function runPolicy(args: string[]): Promise<number> {
  const [sub, rest] = positional("policy", args, "a subcommand (activate FILE)");
  if (sub !== "activate") throw new UsageError(`policy: unknown subcommand "${sub}" (try: policy activate FILE)`);
  const [file, options] = positional("policy activate", rest, "FILE");
  const { values } = parseCommandArgs("policy activate", options, DATA);
  const text = readInputFile(file, "policy");
  await withDatabase(configFrom(values.data), async ({ db }) => {
    const result = await db.transaction().execute((tx) => activatePolicy(tx, text, cliOperator(), new Date(), file));
    process.stdout.write(
      `active policy: ${result.name} ${result.version}${result.created ? "" : " (already stored)"}\n`,
    );
  });
  return 0;
}

export async function runJurisdiction(args: string[]): Promise<number> {
  const [sub, rest] = positional("jurisdiction", args, "pause or resume");
  if (sub !== "pause" && sub !== "resume") {
    throw new UsageError(
      `jurisdiction: unknown subcommand "${sub}" (pause CODE --reason TEXT, resume CODE --reason TEXT)`,
    );
  }
  const [code, options] = positional(`jurisdiction ${sub}`, rest, "CODE (e.g. HK)");
  const { values } = parseCommandArgs(`jurisdiction ${sub}`, options, { ...DATA, reason: { type: "string" } });
  const jurisdiction = parseWith(jurisdictionSchema, code, "CODE");
  const reason = values.reason?.trim();
  if (!reason)
    throw new UsageError(`jurisdiction ${sub}: --reason TEXT is required (it is published in the audit trail)`);
  if (reason.length > 2000) throw new UsageError(`jurisdiction ${sub}: --reason must be at most 2000 characters`);
  await withDatabase(configFrom(values.data), async ({ db }) => {
    const change = { jurisdiction, reason, by: cliOperator(), now: new Date() };
    if (sub === "pause") {
      const result = await pauseJurisdiction(db, change);
      process.stdout.write(`${jurisdiction} paused: ${result.held} open request(s) now on hold\n`);
    } else {
      const result = await resumeJurisdiction(db, change);
      process.stdout.write(
        `${jurisdiction} resumed: ${result.redecided} held request(s) decided again, ` +
          `${result.released.length} released, ${result.held} still held by the policy\n`,
      );
      for (const r of result.released) process.stdout.write(`  ${r.id}  ${r.outcome} → ${r.status}\n`);
    }
  });
  return 0;
}

interface CheckpointFile {
  publicKey: string;
  checkpoints: Checkpoint[];
}

function readCheckpointFile(path: string): CheckpointFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInputFile(path, "checkpoint"));
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError([{ path: "", message: "not valid JSON" }], path);
  }
  const file = parsed as Partial<CheckpointFile>;
  if (!file || !Array.isArray(file.checkpoints) || typeof file.publicKey !== "string") {
    throw new ValidationError(
      [{ path: "checkpoints", message: "not a checkpoint file written by audit checkpoint" }],
      path,
    );
  }
  return file as CheckpointFile;
}

export async function runAudit(args: string[]): Promise<number> {
  const [sub, rest] = positional("audit", args, "a subcommand (verify, checkpoint, seal)");
  const config = configFrom(undefined);
  if (sub === "seal") {
    const { values } = parseCommandArgs("audit seal", rest, DATA);
    return withDatabase(configFrom(values.data), async ({ db }) => {
      const result = await sealAudit(db, { key: config.auditSigningKey });
      process.stdout.write(`sealed ${result.sealed} entries; the chain now ends at position ${result.position}\n`);
      return 0;
    });
  }
  if (sub === "checkpoint") {
    const { values } = parseCommandArgs("audit checkpoint", rest, { ...DATA, out: { type: "string" } });
    const out = requireOption("audit checkpoint", "out", values.out);
    const key = config.auditSigningKey;
    if (!key) throw new UsageError("audit checkpoint: CUSTODIAN_AUDIT_SIGNING_KEY (or _FILE) must be set to sign");
    return withDatabase(configFrom(values.data), async ({ db }) => {
      await sealAudit(db, { key, checkpointEvery: 1 });
      const checkpoint = await latestCheckpoint(db);
      if (!checkpoint) throw new UsageError("audit checkpoint: the audit trail is empty; nothing to vouch for");
      const file: CheckpointFile = existsSync(out)
        ? readCheckpointFile(out)
        : { publicKey: publicKeyPem(key), checkpoints: [] };
      if (!file.checkpoints.some((c) => c.position === checkpoint.position && c.hash === checkpoint.hash)) {
        file.checkpoints.push(checkpoint);
      }
      file.publicKey = publicKeyPem(key);
      writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
      process.stdout.write(`checkpoint at position ${checkpoint.position} (${checkpoint.hash}) written to ${out}\n`);
      return 0;
    });
  }
  if (sub === "verify") {
    const { values } = parseCommandArgs("audit verify", rest, {
      ...DATA,
      against: { type: "string" },
      json: { type: "boolean", default: false },
    });
    const against = values.against ? readCheckpointFile(values.against) : undefined;
    const publicKeys = [...config.auditPublicKeys];
    if (against) {
      const { createPublicKey } = await import("node:crypto");
      publicKeys.push(createPublicKey(against.publicKey));
    }
    return withDatabase(configFrom(values.data), async ({ db }) => {
      const report = await verifyAudit(db, { publicKeys, against: against?.checkpoints });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else if (report.ok) {
        process.stdout.write(
          `audit trail intact: ${report.entries} entries, ${report.checkpointsChecked} checkpoint(s) verified, ` +
            `${report.unsealed} not yet sealed; head ${report.headHash}\n`,
        );
      } else {
        process.stdout.write(`audit trail NOT intact (${report.entries} entries read):\n`);
        for (const problem of report.problems) process.stdout.write(`  ${problem.kind}: ${problem.detail}\n`);
      }
      return report.ok ? 0 : 1;
    });
  }
  throw new UsageError(`audit: unknown subcommand "${sub}" (verify, checkpoint, seal)`);
}

export async function runJobs(args: string[]): Promise<number> {
  const [sub, rest] = positional("jobs", args, "a subcommand (run)");
  if (sub !== "run") throw new UsageError(`jobs: unknown subcommand "${sub}" (run)`);
  const { values } = parseCommandArgs("jobs run", rest, DATA);
  const config = configFrom(values.data);
  return withDatabase(config, ({ db }) =>
    withSources(config, db, async () => {
      const result = await runDueJobs(db, configuredJobHandlers(config), { workerId: `cli:${process.pid}` });
      process.stdout.write(`ran ${result.ran} due job(s), ${result.failed} failed\n`);
      return result.failed === 0 ? 0 : 1;
    }),
  );
}

const STAFF_ADD = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(["intake", "reviewer", "counsel", "admin", "auditor"]),
});

/**
 * `staff add`: how an installation gets its first admins (after them, admins propose accounts and a second
 * admin applies them). The account is pending until its owner opens the setup link and sets it up.
 */
export async function runStaff(args: string[]): Promise<number> {
  const [sub, rest] = positional("staff", args, "a subcommand (add --email E --name N --role R)");
  if (sub !== "add")
    throw new UsageError(`staff: unknown subcommand "${sub}" (try: staff add --email E --name N --role R)`);
  const { values } = parseCommandArgs("staff add", rest, {
    ...DATA,
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string" },
  });
  for (const option of ["email", "name", "role"] as const) {
    if (!values[option]) throw new UsageError(`staff add: --${option} is required`);
  }
  const input = parseWith(STAFF_ADD, { email: values.email, name: values.name, role: values.role }, "staff add");
  const config = configFrom(values.data);
  await withDatabase(config, async ({ db }) => {
    const made = await operatorAddsStaff(
      db,
      cliOperator(),
      { email: input.email, displayName: input.name, role: input.role },
      config.publicUrl,
      new Date(),
    );
    process.stdout.write(
      [
        `${normaliseEmail(input.email)} (${input.role}) made, pending until its owner sets it up with this link (once, within ${SETUP_HOURS} hours;`,
        "it was also put in the outbox for them). Give it only to that person: it chooses the account's password.",
        `  ${made.setupUrl}`,
        "",
      ].join("\n"),
    );
  });
  return 0;
}
