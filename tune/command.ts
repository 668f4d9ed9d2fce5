/**
 * `lagpilot tune`: reads the history, searches lagpilot's parameters on the older two thirds,
 * checks the choice on the newest third, and prints the candidates, the choice next to the
 * defaults (and the deployed values), the change to make — a cdk.json diff and `--out` params
 * lines — and an SVG; `--json` for scripts. A progress line goes to stderr while it searches.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runCommand } from '../kit/cli.ts';
import { ConfigError } from '../kit/params/config-error.ts';
import { ParamsError, readParamsFile } from '../sim/params-file.ts';
import { type HistorySource, parseTuneArgs, TUNE_USAGE, type TuneOptions } from './args.ts';
import { contextDiff, paramsFile, readContext } from './change.ts';
import { tuneSvg } from './chart.ts';
import { readCloudWatchHistory } from './cloudwatch.ts';
import { csvHistory, type History } from './history.ts';
import { tuneText } from './report.ts';
import { tune } from './search.ts';
import { type Facts, setupOf } from './setup.ts';

export interface TuneIo {
  readonly out: (text: string) => void;
  /** The progress line; on a terminal each replaces the last. */
  readonly progress: (text: string) => void;
}

function processIo(): TuneIo {
  const tty = process.stderr.isTTY === true;
  return {
    out: (text) => process.stdout.write(text),
    progress: (text) => process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`),
  };
}

export function loadHistory(source: HistorySource): Promise<History> {
  return source.kind === 'csv'
    ? Promise.resolve(csvHistory(source.spec))
    : readCloudWatchHistory(source);
}

function chartPath(options: TuneOptions, history: History): string {
  if (options.chart) return options.chart;
  const name = `tune-${basename(history.trace.name).replace(/[^\w.-]+/g, '-')}.svg`;
  return options.out ? join(dirname(options.out), name) : name;
}

async function run(options: TuneOptions, io: TuneIo): Promise<void> {
  const started = performance.now();
  const history = await loadHistory(options.source);
  const deployed = options.deployedPath ? readParamsFile(options.deployedPath) : undefined;
  const { setup, facts } = setupOf(options, history, deployed, io.progress);
  const result = await tune(setup);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.progress(`done in ${seconds} s\n`);
  const written = writeOutputs(options, history, facts, result);
  if (options.json) {
    io.out(
      `${JSON.stringify({ history: historyJson(history), facts, ...result, written, seconds: Number(seconds) }, jsonReplacer, 2)}\n`,
    );
    return;
  }
  const change = result.recommended
    ? [
        '',
        `Recommended: ${result.recommended.setting}`,
        '',
        contextDiff(options.cdkJson, readContext(options.cdkJson) ?? {}, result.recommended.env),
      ]
    : [];
  io.out(
    `${[tuneText(history, facts, result), ...change, '', ...written.map((w) => `wrote ${w}`), `(${seconds} s)`].join('\n')}\n`,
  );
}

/** The chart, and the params file when a set is recommended. */
function writeOutputs(
  options: TuneOptions,
  history: History,
  facts: Facts,
  result: Awaited<ReturnType<typeof tune>>,
): string[] {
  const written: string[] = [];
  const chart = chartPath(options, history);
  const sub = result.recommended
    ? `recommended: ${result.recommended.setting}`
    : `no set reached ${facts.attainment.value} %: none recommended`;
  writeFileSync(chart, tuneSvg(history.trace.name, result, sub));
  written.push(chart);
  if (options.out && result.recommended) {
    const header = [
      `lagpilot tune on ${history.source}: ${result.recommended.setting}`,
      `lag SLO ${facts.sloS.value} s in ${facts.attainment.value} % of minutes`,
    ];
    writeFileSync(options.out, paramsFile(result.recommended.env, header));
    written.push(options.out);
  }
  return written;
}

function historyJson(history: History) {
  const { trace, ...rest } = history;
  return { ...rest, name: trace.name, intervalS: trace.intervalS, samples: trace.rates.length };
}

/** Traces are long: JSON names them instead of listing their rates. */
function jsonReplacer(key: string, value: unknown): unknown {
  if (
    (key === 'tune' || key === 'held') &&
    value &&
    typeof value === 'object' &&
    'rates' in value
  ) {
    return (value as unknown as { name: string }).name;
  }
  return value;
}

export function tuneCommand(argv: readonly string[], io: TuneIo = processIo()): Promise<number> {
  return runCommand(
    { name: 'tune', usage: TUNE_USAGE, inputErrors: [ParamsError, ConfigError] },
    argv,
    () => run(parseTuneArgs(argv), io),
  );
}
