/** `lagpilot start`: parses the options, runs the local system, prints the report's path. */
import { ConfigError } from '../kit/params/config-error.ts';
import { TraceError } from '../sim/trace-csv.ts';
import { parseStartArgs, START_USAGE, StartUsageError } from './start-args.ts';
import { runLocalSystem } from './system.ts';

export async function startCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  const abort = new AbortController();
  // Kept for the whole run: a second Ctrl-C (or the one tsx relays) must not cut the drain short.
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    process.stderr.write(`\nlagpilot start: ${signal}, shutting down…\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const chart = await runLocalSystem(parseStartArgs(argv), {
      env: process.env,
      print: (line) => process.stdout.write(`${line}\n`),
      signal: abort.signal,
    });
    process.stdout.write(`report: ${chart}\n`);
    return 0;
  } catch (error) {
    if (
      error instanceof StartUsageError ||
      error instanceof ConfigError ||
      error instanceof TraceError
    ) {
      process.stderr.write(`lagpilot start: ${error.message}\n\n${START_USAGE}`);
      return 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
