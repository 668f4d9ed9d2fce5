/**
 * The `lagpilot simulate` command line: options with their defaults, the --params file, the
 * traces, and the checks that fail fast with the option, parameter or line named.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  count,
  isWholeNumber,
  nonNegative,
  numberFlag,
  parseFlags,
  positive,
  UsageError,
} from '../kit/cli.ts';
import { durationText, formatDuration } from '../kit/duration.ts';
import { ConfigError } from '../kit/params/config-error.ts';
import { parseScalingRules, type ScalingRules } from '../lambda/core/index.ts';
import { DEFAULT_FLEET, type FleetParams } from './fleet.ts';
import { locateProblems, type ParamLines, ParamsError, readParamsFile } from './params-file.ts';
import { type PeerSettings, tunedKedaThreshold } from './policies/all.ts';
import { HPA_DEFAULTS } from './policies/keda-hpa.ts';
import { TARGET_TRACKING_DEFAULTS } from './policies/target-tracking.ts';
import { REAL_TRACE_TICK_S, REAL_TRACES } from './real-traces.ts';
import { MEASURED_DEFAULT, type SamplingFlags, samplingFor, withSampling } from './sampling.ts';
import { type Trace, traceDurationS } from './trace.ts';
import { TraceError } from './trace-csv.ts';
import { ALL_TRACE_NAMES, BUILT_IN_TRACES, LONG_TRACES, loadTrace } from './traces.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The matrix's default tick: the scoreboard in well under a minute on 2 cores. */
export const MATRIX_TICK_S = 15;

export const USAGE = `usage: lagpilot simulate [--trace <name|file.csv|all>]… [--matrix] [--json] [options]

  --trace <t>             built-in (${Object.keys(BUILT_IN_TRACES).join(', ')};
                          real: ${Object.keys(REAL_TRACES).join(', ')};
                          ${Object.keys(LONG_TRACES).join(', ')} by name only), a CSV of
                          timestamp,produce_rate, or all (default; repeatable)
  --params <file>         LAGPILOT_*=value lines, as the Lambda's environment
  --slo-seconds <s>       lag SLO: age of the oldest unconsumed message (${DEFAULT_FLEET.sloS})
  --partitions <n>        source topic partitions (${DEFAULT_FLEET.partitions}; a trace may change it)
  --capacity <msg/s>      one worker's throughput when saturated (${DEFAULT_FLEET.capacity})
  --cpu-at-capacity <pct> a saturated worker's CPU % (${DEFAULT_FLEET.cpuAtCapacity}; 40: bound by round trips)
  --capacity-noise <f>    each task's capacity × (1 ± f), drawn at its start (${DEFAULT_FLEET.capacityNoise})
  --rebalance-spread <f>  each pause lasts rebalance × (1 ± f) (${DEFAULT_FLEET.rebalanceSpread})
  --seed <n>              seed of the fleet's and the sampling's random draws (${DEFAULT_FLEET.seed})
  --sample-noise <f>      each quarter of a trace sample × (1 ± f), its mean kept (real
                          traces ${MEASURED_DEFAULT.noise}, others 0)
  --sample-phase <s>      shift the samples by s seconds against the policies' evaluations, or
                          random (real traces random, others 0)
  --min <n>, --max <n>    task bounds for every policy (LAGPILOT_MIN_TASKS / _MAX_TASKS: 1, 12)
  --start-delay <s>       desired count raised → new task consuming (${DEFAULT_FLEET.startDelayS})
  --rebalance-seconds <s> group-wide consumption pause per membership change (${DEFAULT_FLEET.rebalanceS};
                          measured: classic protocol, kafkajs, 3 → 6 members; docs/benchmarks.md)
  --metric-delay <s>      CloudWatch datapoint delay (${DEFAULT_FLEET.metricDelayS})
  --commit-lag <s>        committed offset trails consumption by (${DEFAULT_FLEET.commitLagS})
  --skew <s>              produce skew: partition i gets weight 1/(i+1)^s (${DEFAULT_FLEET.skew})
  --tick <s>              simulation step: 1, 3, 5 or 15 (${DEFAULT_FLEET.tickS}; real traces ${REAL_TRACE_TICK_S})
  --step-seconds <s>      lagpilot control-step cadence: sets LAGPILOT_STEP_INTERVAL (15)
  --keda-lag-threshold <n> KEDA's tuned lagThreshold (default: capacity × SLO / 4); KEDA
                          also runs at its documented default, 10
  --cpu-target <pct>      target tracking CPU target (70)
  --lagpilot-statistic <s> CloudWatch statistic lagpilot reads for CPU/memory: maximum (the
                          busiest task, as deployed) or average
  --out <dir>             where reports go (docs/reports)
  --matrix                every built-in trace on 16 fleets (capacity 1000/3000, CPU at
                          capacity 100/40 %, rebalance 5/15 s, start delay 30/120 s), one
                          scoreboard; tick ${MATRIX_TICK_S} s unless --tick is given
  --frontier              per trace, every policy along its main knob (KEDA lagThreshold,
                          CPU target, the guide's lag thresholds, lagpilot's cost/SLO knobs),
                          a dominance verdict for lagpilot's defaults and an SVG of the frontier
  --json                  print the results as JSON instead of tables
`;

export interface SimulateOptions {
  readonly traces: readonly Trace[];
  readonly fleet: FleetParams;
  readonly rules: ScalingRules;
  /** The LAGPILOT_* values the rules came from (the matrix's worker re-parses them). */
  readonly env: Readonly<Record<string, string>>;
  readonly peers: PeerSettings;
  /** --keda-lag-threshold, when given; otherwise each fleet gets its tuned threshold. */
  readonly kedaLagThreshold: number | undefined;
  readonly outDir: string;
  readonly matrix: boolean;
  readonly frontier: boolean;
  readonly json: boolean;
  /** --tick was given: it holds for every trace, else a trace may run at its own tick. */
  readonly tickGiven: boolean;
}

/** The fleet a trace runs on: the options' fleet at the trace's own tick unless --tick is given. */
export function fleetFor(options: SimulateOptions, trace: Trace): FleetParams {
  return options.tickGiven || trace.tickS === undefined
    ? options.fleet
    : { ...options.fleet, tickS: trace.tickS };
}

/** Numeric fleet options: flag → FleetParams field, its check, and what a good value is. */
const FLEET_FLAGS: readonly [string, keyof FleetParams, (n: number) => boolean, string][] = [
  ['partitions', 'partitions', count, 'a whole number ≥ 1'],
  ['capacity', 'capacity', positive, 'a rate > 0 (msg/s)'],
  ['slo-seconds', 'sloS', positive, 'seconds > 0'],
  ['start-delay', 'startDelayS', nonNegative, 'seconds ≥ 0'],
  ['rebalance-seconds', 'rebalanceS', nonNegative, 'seconds ≥ 0'],
  ['metric-delay', 'metricDelayS', nonNegative, 'seconds ≥ 0'],
  ['commit-lag', 'commitLagS', nonNegative, 'seconds ≥ 0'],
  ['skew', 'skew', nonNegative, 'a number ≥ 0'],
  [
    'cpu-at-capacity',
    'cpuAtCapacity',
    (n) => n > DEFAULT_FLEET.cpuIdle && n <= 100,
    `a CPU % in (${DEFAULT_FLEET.cpuIdle}, 100] (above the idle CPU)`,
  ],
  ['capacity-noise', 'capacityNoise', (n) => n >= 0 && n < 1, 'a fraction in [0, 1)'],
  ['rebalance-spread', 'rebalanceSpread', (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]'],
  ['seed', 'seed', isWholeNumber, 'a whole number ≥ 0'],
  ['tick', 'tickS', (n) => [1, 3, 5, 15].includes(n), '1, 3, 5 or 15'],
];

const STRING_OPTIONS = [
  'params',
  'slo-seconds',
  'partitions',
  'capacity',
  'min',
  'max',
  'start-delay',
  'rebalance-seconds',
  'metric-delay',
  'commit-lag',
  'skew',
  'tick',
  'step-seconds',
  'keda-lag-threshold',
  'cpu-target',
  'lagpilot-statistic',
  'out',
  'cpu-at-capacity',
  'capacity-noise',
  'rebalance-spread',
  'seed',
  'sample-noise',
  'sample-phase',
] as const;

const optionValues = (argv: readonly string[]) =>
  parseFlags(argv, {
    trace: { type: 'string', multiple: true },
    ...Object.fromEntries(STRING_OPTIONS.map((o) => [o, { type: 'string' as const }])),
    matrix: { type: 'boolean' },
    frontier: { type: 'boolean' },
    json: { type: 'boolean' },
  });

/** The rules from --params and the flags that set LAGPILOT_* values, errors traced to either. */
function rulesFrom(get: (k: string) => string | undefined): {
  rules: ScalingRules;
  env: Record<string, string>;
} {
  const paramsPath = get('params');
  const lines: ParamLines = {};
  const env: Record<string, string> = paramsPath ? readParamsFile(paramsPath, lines) : {};
  const flags: Record<string, string> = {};
  const min = numberFlag('min', get('min'), isWholeNumber, 'a whole number ≥ 0');
  const max = numberFlag('max', get('max'), count, 'a whole number ≥ 1');
  if (min !== undefined)
    [env.LAGPILOT_MIN_TASKS, flags.LAGPILOT_MIN_TASKS] = [String(min), '--min'];
  if (max !== undefined)
    [env.LAGPILOT_MAX_TASKS, flags.LAGPILOT_MAX_TASKS] = [String(max), '--max'];
  // --step-seconds is LAGPILOT_STEP_INTERVAL by another name: the rules hold the cadence.
  const stepS = get('step-seconds');
  if (stepS !== undefined) {
    env.LAGPILOT_STEP_INTERVAL = `${stepS.trim()}s`;
    flags.LAGPILOT_STEP_INTERVAL = '--step-seconds';
  }
  try {
    return { rules: parseScalingRules(env), env };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ParamsError(locateProblems(error.issues, paramsPath, lines, flags));
  }
}

function peersFrom(get: (k: string) => string | undefined, fleet: FleetParams) {
  const statistic = get('lagpilot-statistic') ?? 'maximum';
  if (statistic !== 'average' && statistic !== 'maximum') {
    throw new UsageError(`--lagpilot-statistic "${statistic}": must be average or maximum`);
  }
  const kedaLagThreshold = numberFlag(
    'keda-lag-threshold',
    get('keda-lag-threshold'),
    count,
    'a whole number of messages ≥ 1 (KEDA reads it as an int64)',
  );
  const peers: PeerSettings = {
    statistic,
    kedaLagThreshold: kedaLagThreshold ?? tunedKedaThreshold(fleet.capacity, fleet.sloS),
    cpuTarget:
      numberFlag(
        'cpu-target',
        get('cpu-target'),
        (n) => n > 0 && n <= 100,
        'a CPU % in (0, 100]',
      ) ?? 70,
  };
  return { peers, kedaLagThreshold };
}

export function parseSimulateArgs(argv: readonly string[]): SimulateOptions {
  const values = optionValues(argv);
  const get = (k: string) => values[k] as string | undefined;
  const { rules, env } = rulesFrom(get);
  const matrix = values.matrix === true;

  const fleet: { -readonly [K in keyof FleetParams]: FleetParams[K] } = {
    ...DEFAULT_FLEET,
    min: rules.minTasks,
    max: rules.maxTasks,
  };
  if (matrix) fleet.tickS = MATRIX_TICK_S;
  for (const [flag, key, check, what] of FLEET_FLAGS) {
    const value = numberFlag(flag, get(flag), check, what);
    if (value !== undefined) fleet[key] = value;
  }
  checkStep(rules, fleet.tickS);
  const { peers, kedaLagThreshold } = peersFrom(get, fleet);

  const specs = (values.trace as string[] | undefined) ?? ['all'];
  if (matrix && values.frontier) {
    throw new UsageError(
      '--frontier sweeps the given traces, --matrix the fixed fleets: give one of them',
    );
  }
  if (matrix && values.trace) {
    throw new UsageError('--matrix runs every built-in trace: drop --trace, or drop --matrix');
  }
  const names = specs.flatMap((s) => (s === 'all' ? ALL_TRACE_NAMES : [s]));
  const flags = samplingFlags(get);
  const traces = names.map((spec) => {
    const trace = loadTrace(spec);
    return withSampling(trace, samplingFor(trace, flags, fleet.seed));
  });
  const tickGiven = get('tick') !== undefined || matrix;
  for (const trace of traces) {
    checkLongEnough(trace, rules);
    if (!tickGiven && trace.tickS !== undefined) checkStep(rules, trace.tickS, trace.name);
  }
  return {
    traces,
    fleet,
    rules,
    env,
    peers,
    kedaLagThreshold,
    outDir: resolve(get('out') ?? join(ROOT, 'docs', 'reports')),
    matrix,
    frontier: values.frontier === true,
    json: values.json === true,
    tickGiven,
  };
}

function samplingFlags(get: (k: string) => string | undefined): SamplingFlags {
  const noise = numberFlag(
    'sample-noise',
    get('sample-noise'),
    (n) => n >= 0 && n < 1,
    'a fraction in [0, 1)',
  );
  const phase = get('sample-phase');
  const phaseS =
    phase?.trim() === 'random'
      ? ('random' as const)
      : numberFlag('sample-phase', phase, isWholeNumber, 'whole seconds ≥ 0, or random');
  return { noise, phaseS };
}

/** lagpilot steps on tick ends: its cadence must be a multiple of the tick (of `trace`'s, if named). */
function checkStep(rules: ScalingRules, tickS: number, trace?: string): void {
  if ((rules.stepIntervalMs / 1000) % tickS !== 0) {
    throw new UsageError(
      `LAGPILOT_STEP_INTERVAL (--step-seconds) ${durationText(rules.stepIntervalMs)}: must be a multiple of the ${durationText(tickS * 1000)} tick${trace ? ` trace ${trace} runs at (or give --tick)` : ''}`,
    );
  }
}

/** A trace must be long enough for every policy's longest window to elapse twice. */
export function checkLongEnough(trace: Trace, rules: ScalingRules): void {
  const windows: [string, number][] = [
    ['LAGPILOT_UP_WINDOW', rules.upWindowMs / 1000],
    ['LAGPILOT_DOWN_WINDOW', rules.downWindowMs / 1000],
    ['the HPA scale-down stabilization', HPA_DEFAULTS.scaleDownStabilizationS],
    ['target tracking scale-in alarm', TARGET_TRACKING_DEFAULTS.scaleInDatapoints * 60],
  ];
  const [name, longest] = windows.reduce((a, b) => (b[1] > a[1] ? b : a));
  const duration = traceDurationS(trace);
  if (duration < 2 * longest) {
    throw new TraceError(
      `trace ${trace.name} lasts ${formatDuration(duration * 1000)}: shorter than twice the longest window (${name}, ${formatDuration(longest * 1000)}), so no policy could act and settle; give at least ${formatDuration(2 * longest * 1000)}`,
    );
  }
}
