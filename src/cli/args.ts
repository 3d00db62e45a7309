import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** parseArgs for one command, with its errors worded as one line for the person at the terminal. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split("\n")[0]}`);
  }
}

export function requireOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`${command}: --${name} FILE is required`);
  return value;
}

/** A command's first word (a subcommand, a file, an id), which must be there and not be an option. */
export function positional(command: string, args: string[], what: string): [string, string[]] {
  const [first, ...rest] = args;
  if (first === undefined || first.startsWith("-")) throw new UsageError(`${command}: ${what} is required`);
  return [first, rest];
}
