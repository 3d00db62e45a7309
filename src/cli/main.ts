#!/usr/bin/env node
import { DomainError, OperationalError } from "../shared/errors.js";
import { packageVersion } from "../shared/package.js";
import { ValidationError } from "../shared/validation.js";
import { UsageError } from "./args.js";
import { runEvaluate } from "./evaluate.js";
import { runFulfil, runKeys, runPackage } from "./fulfil-commands.js";
import { runImport, runReport } from "./report-commands.js";
import { runDemo, runServe, runTotp } from "./serve.js";
import { runAudit, runJobs, runJurisdiction, runMigrate, runPolicy } from "./store-commands.js";

/** Thin edge: parse arguments, call one function, print. Exit 2 on bad input, 1 on anything else. */

const USAGE = `Usage: custodian <command> [options]

Commands:
  evaluate --policy FILE --request FILE [--explain]
                 Decide a request document (DESIGN §3) under a policy (§4) and print the
                 decision JSON (§5); --explain prints it as a table for a person.
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
  jurisdiction pause CODE --reason TEXT
                 Hold every open request from CODE (and its subdivisions) and every new one.
  jurisdiction resume CODE --reason TEXT
                 Lift the pause: decide each held request again under the policy in force.
  audit seal     Chain the committed audit entries (done continuously by the server).
  audit checkpoint --out FILE
                 Sign a checkpoint of the audit chain and add it to FILE, kept outside the database.
  audit verify [--against FILE] [--json]
                 Walk the chain and check every signature and exported checkpoint; exit 1 if tampered.
  report --period 2020H2 [--format csv|json|html|google-csv] [--out FILE]
                 The transparency report of a half-year (DESIGN §9): csv (default), json,
                 the public HTML page, or Google's CSV layout.
  import FILE.csv
                 Load past requests from a ledger (one row per request; see README); every row
                 is checked first and nothing is imported if one is bad.
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
  help           Show this help.

Storage: DATABASE_URL=postgres://… selects a PostgreSQL server; otherwise an embedded PGlite
directory, --data DIR (default ./.custodian/data). Commands that open it take --data DIR.

Options:
  --version      Print the version.
`;

const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  evaluate: runEvaluate,
  demo: runDemo,
  serve: runServe,
  totp: runTotp,
  migrate: runMigrate,
  policy: runPolicy,
  jurisdiction: runJurisdiction,
  audit: runAudit,
  jobs: runJobs,
  report: runReport,
  import: runImport,
  fulfil: runFulfil,
  package: runPackage,
  keys: runKeys,
  help: () => {
    process.stdout.write(USAGE);
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
  if (!run) throw new UsageError(`unknown command "${command}" (try: custodian help)`);
  return run(rest);
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
