#!/usr/bin/env node
import { ValidationError } from "../shared/validation.js";
import { UsageError } from "./args.js";
import { runDemo } from "./demo.js";
import { runEvaluate } from "./evaluate.js";
import { packageVersion } from "./package-info.js";

/** Thin edge: parse arguments, call one function, print. Exit 2 on bad input, 1 on anything else. */

const USAGE = `Usage: custodian <command> [options]

Commands:
  evaluate --policy FILE --request FILE [--explain]
                 Decide a request document (DESIGN §3) under a policy (§4) and print the
                 decision JSON (§5); --explain prints it as a table for a person.
                 FILE may be - for standard input.
  demo           Show the example policy deciding the example requests.
  help           Show this help.

Options:
  --version      Print the version.
`;

const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  evaluate: runEvaluate,
  demo: runDemo,
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
    // Anything else is our fault: say so in one line; the stack is for a developer who asks for it.
    process.stderr.write(`custodian: internal error: ${(error as Error).message}\n`);
    if (process.env.CUSTODIAN_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}

await run();
