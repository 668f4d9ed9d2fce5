/**
 * `lagpilot simulate`: replays traces through lagpilot and its peers on one simulated fleet,
 * prints a results table per trace (or JSON) and writes an SVG chart per trace plus a Markdown
 * report; with --matrix, every built-in trace on 16 fleets and one scoreboard.
 */
import { runCommand } from '../kit/cli.ts';
import { ConfigError } from '../kit/params/config-error.ts';
import { runFrontier } from './frontier-report.ts';
import { runMatrixFor } from './matrix.ts';
import { matrixScoreboard } from './matrix-report.ts';
import { ParamsError } from './params-file.ts';
import { runSimulate } from './report.ts';
import { parseSimulateArgs, type SimulateOptions, USAGE } from './simulate-args.ts';

async function run(options: SimulateOptions): Promise<string> {
  if (options.frontier) return (await runFrontier(options)).text;
  if (!options.matrix) return runSimulate(options).text;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const cells = await runMatrixFor(options);
  if (options.json)
    return JSON.stringify(
      cells.map(({ fleetParams: _, ...cell }) => cell),
      null,
      2,
    );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const used = process.cpuUsage(cpu);
  const cpuSeconds = ((used.user + used.system) / 1e6).toFixed(1);
  return `${matrixScoreboard(cells)}\n\n${cells.length} cells in ${seconds} s (${cpuSeconds} s of CPU over both threads; tick ${options.fleet.tickS} s).`;
}

export function simulateCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    { name: 'simulate', usage: USAGE, inputErrors: [ParamsError, ConfigError] },
    argv,
    async () => {
      console.log(await run(parseSimulateArgs(argv)));
    },
  );
}
