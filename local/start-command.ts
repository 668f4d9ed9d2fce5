/** `lagpilot start`: parses the options, runs the local system, prints the report's path. */
import { runCommand } from '../kit/cli.ts';
import { ConfigError } from '../kit/params/config-error.ts';
import { parseStartArgs, START_USAGE } from './start-args.ts';
import { runLocalSystem } from './system.ts';

export function startCommand(argv: readonly string[]): Promise<number> {
  return runCommand({ name: 'start', usage: START_USAGE, inputErrors: [ConfigError] }, argv, () =>
    run(argv),
  );
}

async function run(argv: readonly string[]): Promise<void> {
  const options = parseStartArgs(argv);
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
    const chart = await runLocalSystem(options, {
      env: process.env,
      print: (line) => process.stdout.write(`${line}\n`),
      signal: abort.signal,
    });
    process.stdout.write(`report: ${chart}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
