/**
 * `lagpilot simulate`: replays traces through lagpilot and its peers on one simulated fleet,
 * prints a results table per trace and writes an SVG chart per trace plus a Markdown report.
 */
import { ConfigError } from '../lambda/config.ts';
import { ParamsError } from './params-file.ts';
import { runSimulate } from './report.ts';
import { parseSimulateArgs, USAGE, UsageError } from './simulate-args.ts';
import { TraceError } from './trace-csv.ts';

export function simulateCommand(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    console.log(runSimulate(parseSimulateArgs(argv)).text);
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ParamsError ||
      error instanceof TraceError ||
      error instanceof ConfigError
    ) {
      console.error(`lagpilot simulate: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
