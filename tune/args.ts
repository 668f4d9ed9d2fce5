/** The `lagpilot tune` command line: where the history comes from, the targets, the fleet facts. */
import {
  count,
  isWholeNumber,
  nonNegative,
  numberFlag,
  parseFlags,
  positive,
  UsageError,
} from '../kit/cli.ts';

export const TUNE_USAGE = `usage: lagpilot tune (--history <file.csv|built-in> | --service <name>) [options]

  History (one of):
  --history <t>          a CSV of timestamp,produce_rate (as simulate --trace reads), or a
                         built-in trace by name
  --service <name>       the deployed service's own metrics in CloudWatch (GetMetricData):
                         ProduceRate, TaskCapacity, TaskStartSeconds, Partitions, TaskCap
  --namespace <ns>       their namespace, LAGPILOT_METRICS_NAMESPACE (Lagpilot)
  --days <n>             how far back to read (56): 1-min datapoints for the last 15 days,
                         5-min to 63 days, hourly beyond
  Targets:
  --slo-seconds <s>      the lag SLO (the deployed LAGPILOT_LAG_SLO, else 60)
  --attainment <pct>     share of minutes it must hold (the deployed LAGPILOT_SLO_ATTAINMENT, else 99.9)
  Fleet facts (default: what the metrics say, else the deployed values, else simulate's):
  --partitions <n>       the topic's partitions
  --capacity <msg/s>     one task's throughput when saturated
  --start-delay <s>      raised desired count → new task consuming
  --max <n>, --min <n>   task bounds (LAGPILOT_MAX_TASKS / _MIN_TASKS)
  Output:
  --params <file>        today's deployed LAGPILOT_*=value lines: the search starts from them
  --out <file>           write the recommended LAGPILOT_*=value lines (simulate --params reads them)
  --chart <file.svg>     the frontier chart (tune-<history>.svg)
  --cdk-json <file>      the cdk.json whose context the diff is against (./cdk.json)
  --seed <n>             seed of the replay's noise and phase (1)
  --json                 print the result as JSON
`;

export type HistorySource =
  | { readonly kind: 'csv'; readonly spec: string }
  | {
      readonly kind: 'cloudwatch';
      readonly service: string;
      readonly namespace: string;
      readonly days: number;
    };

export interface TuneOptions {
  readonly source: HistorySource;
  readonly sloS?: number;
  readonly attainment?: number;
  readonly partitions?: number;
  readonly capacity?: number;
  readonly startDelayS?: number;
  readonly maxTasks?: number;
  readonly minTasks?: number;
  readonly deployedPath?: string;
  readonly out?: string;
  readonly chart?: string;
  readonly cdkJson: string;
  readonly seed: number;
  readonly json: boolean;
}

const STRINGS = [
  'history',
  'service',
  'namespace',
  'days',
  'slo-seconds',
  'attainment',
  'partitions',
  'capacity',
  'start-delay',
  'max',
  'min',
  'params',
  'out',
  'chart',
  'cdk-json',
  'seed',
] as const;

function sourceOf(get: (k: string) => string | undefined): HistorySource {
  const [history, service] = [get('history'), get('service')];
  if (history && service) {
    throw new UsageError('--history reads a file, --service reads CloudWatch: give one of them');
  }
  if (history) return { kind: 'csv', spec: history };
  if (!service) throw new UsageError('give the history: --history <file.csv> or --service <name>');
  const days = numberFlag('days', get('days'), count, 'a whole number of days ≥ 1') ?? 56;
  if (days > 455) throw new UsageError(`--days ${days}: CloudWatch keeps metrics 455 days at most`);
  return { kind: 'cloudwatch', service, namespace: get('namespace') ?? 'Lagpilot', days };
}

export function parseTuneArgs(argv: readonly string[]): TuneOptions {
  const values = parseFlags(argv, {
    ...Object.fromEntries(STRINGS.map((o) => [o, { type: 'string' as const }])),
    json: { type: 'boolean' },
  });
  const get = (k: string) => values[k] as string | undefined;
  const attainment = numberFlag(
    'attainment',
    get('attainment'),
    (n) => n >= 50 && n < 100,
    'a percentage of minutes in [50, 100), e.g. 99.9',
  );
  const options: TuneOptions = {
    source: sourceOf(get),
    sloS: numberFlag('slo-seconds', get('slo-seconds'), (n) => n >= 1, 'seconds ≥ 1'),
    attainment,
    partitions: numberFlag('partitions', get('partitions'), count, 'a whole number ≥ 1'),
    capacity: numberFlag('capacity', get('capacity'), positive, 'a rate > 0 (msg/s)'),
    startDelayS: numberFlag('start-delay', get('start-delay'), nonNegative, 'seconds ≥ 0'),
    maxTasks: numberFlag('max', get('max'), count, 'a whole number ≥ 1'),
    minTasks: numberFlag('min', get('min'), isWholeNumber, 'a whole number ≥ 0'),
    deployedPath: get('params'),
    out: get('out'),
    chart: get('chart'),
    cdkJson: get('cdk-json') ?? 'cdk.json',
    seed: numberFlag('seed', get('seed'), isWholeNumber, 'a whole number ≥ 0') ?? 1,
    json: values.json === true,
  };
  if (options.source.kind === 'csv' && get('namespace')) {
    throw new UsageError('--namespace applies to --service (CloudWatch), not to --history');
  }
  return options;
}
