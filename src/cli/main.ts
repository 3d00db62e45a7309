#!/usr/bin/env node
import { DomainError, OperationalError } from "../shared/errors.js";
import { packageVersion } from "../shared/package.js";
import { ValidationError } from "../shared/validation.js";
import { UsageError } from "./args.js";

/** Thin edge: parse arguments, call one function, print. Exit 2 on bad input, 1 on anything else. */

const USAGE = `Usage: custodian <command> [options]

Commands:
  evaluate --policy FILE --request FILE [--explain]
                 Decide a request document (docs/request.md) under a policy (docs/policy.md)
                 and print the decision JSON (docs/decision.md); --explain prints it as a
                 table for a person.
                 FILE may be - for standard input.
  demo [--port 4000] [--host 127.0.0.1]
                 Show the example policy deciding the example requests, then run the server
                 with demo data (agencies, one account per role, requests) in ./.custodian/demo
                 and print how to sign in.
  serve [--port 4000] [--host 127.0.0.1]
                 Run the server (API under /api/v1) with the background work (audit sealing,
                 jobs, outgoing mail).
  totp SECRET    Print the current second-factor code for a TOTP secret (for the demo).
  migrate        Bring the database schema up to date (also done by every command that opens it).
  policy activate FILE
                 Store a policy version and make it the one in force.
  staff add --email E --name N --role R
                 Make a staff account (the first admins; after them, one admin proposes and a
                 second applies). It stays pending until its owner opens the one-time setup link,
                 printed and mailed, and chooses a password and second factor.
  jurisdiction pause CODE --reason TEXT
                 Hold every open request from CODE (and its subdivisions) and every new one.
  jurisdiction resume CODE --reason TEXT
                 Lift the pause: decide each held request again under the policy in force.
  audit seal     Chain the committed audit entries (done continuously by the server).
  audit checkpoint --out FILE
                 Sign a checkpoint of the audit chain and add it to FILE, kept outside the database.
  audit verify [--against FILE] [--json]
                 Walk the chain and check every signature and exported checkpoint; exit 1 if tampered.
  report --period 2025|2025H2|2025Q3 [--format csv|json|html|google-csv|apple-csv|oti-csv|notices-csv|dsa-csv]
         [--out FILE]
                 The transparency report of a year, half-year or quarter (docs/reports.md): csv
                 (default), json (with the user-notice figures), the public HTML page, Google's,
                 Apple's or the OTI template's layout, the user-notice figures, or the DSA's (years).
  report publish --period 2025|2025H2|2025Q3 [--note TEXT]
                 Publish the period's report as it stands as its next numbered version, never changed
                 afterwards (docs/reports.md#published-versions); a correction (version 2 on) must say
                 with --note what changed and why. Audited as the operator (cli:<login>).
  import FILE.csv
                 Load past requests from a ledger (one row per request; see README); every row
                 is checked first and nothing is imported if one is bad.
  backup --out FILE
                 Write every table of the store, read in one consistent snapshot, to FILE (gzip if
                 it ends in .gz), with a checksum. Runs beside a server on PostgreSQL; an embedded
                 directory is backed up with its server stopped. The master key is not in it.
  restore FILE   Bring a backup into a new, empty store, all or nothing; refused if the store has
                 data, or the file fails its checksum or was taken at another schema version.
  jobs run       Run the jobs that are due (preservation expiry, reminders, fulfilment, notices,
                 purges).
  fulfil ID      Fulfil an approved request: collect what the decision discloses, build the
                 encrypted BagIt package, deliver it and notify (progress on stderr).
  package export ID --out FILE
                 Write a production's encrypted archive, as stored, to FILE.
  package open FILE --out DIR
                 Decrypt an exported archive (every chunk authenticated), extract the bag into DIR
                 and verify it against its manifests.
  package verify DIR
                 Verify an extracted bag (BagIt, RFC 8493) against its manifests.
  keys generate  Print a new master key for CUSTODIAN_MASTER_KEY.
  keys rotate    Re-wrap every production key under the current master key (archives untouched).
  canary key [--public-out FILE]
                 Print a new signing key for CUSTODIAN_CANARY_KEY; its public key goes to FILE
                 (or standard error), to publish beside the canary.
  canary verify FILE|URL|- --key PUBLIC.pem [--at TIME] [--json]
                 Check a warrant canary (canary.txt or its JSON): signature, text, expiry.
                 Exit 0 only if it is intact and current.
  help [COMMAND] Show this help, or one command's (as does: custodian COMMAND --help).

Storage: DATABASE_URL=postgres://… selects a PostgreSQL server; otherwise an embedded PGlite
directory (default ./.custodian/data). Commands that open storage take --data DIR, which opens that
embedded directory even when DATABASE_URL is set.

Options:
  --version      Print the version.
`;

// Each command's module is loaded when it runs: `custodian import` need not load the web pages, PDF and
// chart libraries the server does (150 MB of a process that must stay small at a million rows).
const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  evaluate: async (args) => (await import("./evaluate.js")).runEvaluate(args),
  demo: async (args) => (await import("./serve.js")).runDemo(args),
  serve: async (args) => (await import("./serve.js")).runServe(args),
  totp: async (args) => (await import("./serve.js")).runTotp(args),
  migrate: async (args) => (await import("./store-commands.js")).runMigrate(args),
  policy: async (args) => (await import("./store-commands.js")).runPolicy(args),
  jurisdiction: async (args) => (await import("./store-commands.js")).runJurisdiction(args),
  staff: async (args) => (await import("./store-commands.js")).runStaff(args),
  audit: async (args) => (await import("./store-commands.js")).runAudit(args),
  jobs: async (args) => (await import("./store-commands.js")).runJobs(args),
  report: async (args) => (await import("./report-commands.js")).runReport(args),
  import: async (args) => (await import("./import-command.js")).runImport(args),
  backup: async (args) => (await import("./backup-commands.js")).runBackup(args),
  restore: async (args) => (await import("./backup-commands.js")).runRestore(args),
  fulfil: async (args) => (await import("./fulfil-commands.js")).runFulfil(args),
  package: async (args) => (await import("./fulfil-commands.js")).runPackage(args),
  keys: async (args) => (await import("./fulfil-commands.js")).runKeys(args),
  canary: async (args) => (await import("./canary-commands.js")).runCanary(args),
  help: ([command]) => {
    process.stdout.write(command !== undefined && command in COMMANDS ? commandUsage(command) : USAGE);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    const nearest = nearestCommand(command);
    const hint = nearest ? `; did you mean "${nearest}"?` : "";
    throw new UsageError(`unknown command "${command}"${hint} (try: custodian help)`);
  }
  // Every command answers --help with its own usage, before it parses (and refuses) anything else.
  const options = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (options.includes("--help") || options.includes("-h")) {
    process.stdout.write(commandUsage(command));
    return 0;
  }
  return run(rest);
}

/**
 * One command's part of USAGE (every entry that starts with its name) and the storage note: the help text
 * is written once, and `custodian report --help` cannot drift from `custodian help`.
 */
export function commandUsage(command: string): string {
  const lines = USAGE.split("\n");
  const entries: string[] = [];
  let inEntry = false;
  for (const line of lines) {
    const entry = /^ {2}(\S+)/.exec(line);
    if (entry) inEntry = entry[1] === command;
    else if (!/^ {3,}\S/.test(line)) inEntry = false;
    if (inEntry) entries.push(line);
  }
  const storage = USAGE.slice(USAGE.indexOf("Storage:"), USAGE.indexOf("\n\nOptions:"));
  return `Usage: custodian ${command} …\n\n${entries.join("\n")}\n\n${storage}\n`;
}

/** The command a mistyped one was most likely meant to be: within two edits (or a third of its length). */
export function nearestCommand(typed: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(COMMANDS)) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  const allowed = Math.max(2, Math.floor(typed.length / 3));
  return best && best.distance <= allowed ? best.name : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

async function run(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ValidationError || error instanceof UsageError) {
      process.stderr.write(`custodian: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    // Refusals the caller can act on: a transition not allowed, a locked data directory, an unsafe server,
    // an archive that fails authentication, a master key that is not configured.
    if (error instanceof DomainError || error instanceof OperationalError) {
      process.stderr.write(`custodian: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    // Anything else is our fault: say so in one line; the stack is for a developer who asks for it.
    process.stderr.write(`custodian: internal error: ${(error as Error).message}\n`);
    if (process.env.CUSTODIAN_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}

await run();
