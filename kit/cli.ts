/**
 * The `lagpilot` subcommands' shared command line: strict flag parsing, numbers and durations
 * checked with the flag named, `--help`, and errors the user must fix printed as
 * `lagpilot <command>: …` with the exit code of their kind (2).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { isDecimal } from './decimal.ts';
import { durationProblem, parseDuration } from './duration.ts';
import { exitCodeOf, LagpilotError, messageOf } from './errors.ts';

/** A mistake on the command line; the usage text follows its message. */
export class UsageError extends LagpilotError {
  constructor(message: string) {
    super('usage', message);
  }
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;
export type FlagValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** Every flag must be known and well formed; no positional arguments. */
export function parseFlags(argv: readonly string[], options: FlagSpec): FlagValues {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
      .values as FlagValues;
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

export const positive = (n: number): boolean => n > 0;
export const nonNegative = (n: number): boolean => n >= 0;
/** 0, 1, 2, … */
export const isWholeNumber = (n: number): boolean => Number.isInteger(n) && n >= 0;
/** 1, 2, 3, … */
export const count = (n: number): boolean => Number.isInteger(n) && n >= 1;

/**
 * A numeric flag's value; undefined when the flag is absent. `what` completes
 * `--flag "text": must be …` (e.g. "a whole number ≥ 1").
 */
export function numberFlag(
  flag: string,
  text: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!isDecimal(text) || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${flag} "${text}": must be ${what}`);
  }
  return n;
}

/** A duration flag (`90s`, `4m`, more than 0) in ms; undefined when the flag is absent. */
export function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const problem = durationProblem(text);
  if (problem) throw new UsageError(`--${flag} ${problem}`);
  const ms = parseDuration(text)!;
  if (ms <= 0) throw new UsageError(`--${flag} "${text}": must be more than 0 (e.g. 90s)`);
  return ms;
}

export interface Command {
  /** The subcommand, as in `lagpilot start`. */
  readonly name: string;
  /** Printed for --help, and after a usage error. */
  readonly usage: string;
  /**
   * Error classes that report bad input without being LagpilotErrors: shown and mapped like
   * a config error (exit 2) instead of failing with a stack trace.
   * @default none
   */
  readonly inputErrors?: readonly (abstract new (
    ...args: never[]
  ) => Error)[];
}

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The error as a LagpilotError when the user must fix it; undefined for anything else. */
function userError(error: unknown, command: Command): LagpilotError | undefined {
  if (error instanceof LagpilotError) {
    return error.kind === 'usage' || error.kind === 'config' ? error : undefined;
  }
  if (command.inputErrors?.some((type) => error instanceof type)) {
    return new LagpilotError('config', messageOf(error), { cause: error });
  }
  return undefined;
}

/**
 * Runs a subcommand and returns its exit code: `--help`/`-h` prints the usage (0); an error the
 * user must fix prints `lagpilot <name>: <message>` (then the usage, for a usage error) and
 * returns its kind's code; any other error propagates.
 */
export async function runCommand(
  command: Command,
  argv: readonly string[],
  body: () => Promise<void>,
  io: CommandIo = PROCESS_IO,
): Promise<number> {
  const usage = command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`;
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(usage);
    return 0;
  }
  try {
    await body();
    return 0;
  } catch (error) {
    const shown = userError(error, command);
    if (!shown) throw error;
    const tail = shown.kind === 'usage' ? `\n${usage}` : '';
    io.stderr(`lagpilot ${command.name}: ${shown.message}\n${tail}`);
    return exitCodeOf(shown);
  }
}
