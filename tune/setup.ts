/**
 * From the command line, the history and the deployed values to what the search runs: the
 * targets, the fleet facts (each with where it came from: a flag, the published metrics, the
 * deployed values or simulate's default), the defaults and the base the search starts from.
 */
import { UsageError } from '../kit/cli.ts';
import { parseScalingRules } from '../lambda/core/index.ts';
import { DEFAULT_FLEET, type FleetParams } from '../sim/fleet.ts';
import { REAL_TRACE_TICK_S } from '../sim/real-traces.ts';
import type { TuneOptions } from './args.ts';
import type { History } from './history.ts';
import type { TuneSetup } from './search.ts';

type Env = Readonly<Record<string, string>>;

/** A fleet fact and where it came from. */
export interface Fact {
  readonly value: number;
  readonly from: string;
}

export interface Facts {
  readonly sloS: Fact;
  readonly attainment: Fact;
  readonly partitions: Fact;
  readonly capacity: Fact;
  readonly startDelayS: Fact;
  readonly maxTasks: Fact;
  readonly minTasks: Fact;
}

/** The first of: the flag, the metrics, the deployed value, the default. */
function fact(
  flag: [string, number | undefined],
  ...rest: [string, number | null | undefined][]
): Fact {
  for (const [from, value] of [flag, ...rest]) {
    if (value !== undefined && value !== null) return { value, from };
  }
  throw new Error('a fact without a default');
}

export function factsOf(options: TuneOptions, history: History, deployed: Env | undefined): Facts {
  const rules = deployed ? parseScalingRules(deployed) : undefined;
  const d = (name: string) => (deployed?.[name] !== undefined ? rules : undefined);
  const p = history.facts;
  const partitions = fact(
    ['--partitions', options.partitions],
    ['the Partitions metric', p.partitions],
    ['the default', DEFAULT_FLEET.partitions],
  );
  return {
    sloS: fact(
      ['--slo-seconds', options.sloS],
      ['LAGPILOT_LAG_SLO deployed', d('LAGPILOT_LAG_SLO') && rules!.lagSloMs / 1000],
      ['the default', 60],
    ),
    attainment: fact(
      ['--attainment', options.attainment],
      ['LAGPILOT_SLO_ATTAINMENT deployed', d('LAGPILOT_SLO_ATTAINMENT') && rules!.sloAttainment],
      ['the default', 99.9],
    ),
    partitions,
    capacity: fact(
      ['--capacity', options.capacity],
      ['the TaskCapacity metric', p.capacity],
      ['LAGPILOT_TASK_CAPACITY deployed', rules?.taskCapacity],
      ["simulate's default", DEFAULT_FLEET.capacity],
    ),
    startDelayS: fact(
      ['--start-delay', options.startDelayS],
      ['the TaskStartSeconds metric', p.startDelayS],
      ['LAGPILOT_TASK_START deployed', d('LAGPILOT_TASK_START') && rules!.taskStartMs / 1000],
      ["simulate's default", DEFAULT_FLEET.startDelayS],
    ),
    maxTasks: fact(
      ['--max', options.maxTasks],
      ['LAGPILOT_MAX_TASKS deployed', d('LAGPILOT_MAX_TASKS') && rules!.maxTasks],
      ['the TaskCap metric', p.taskCap],
      ['the partition count', partitions.value],
    ),
    minTasks: fact(
      ['--min', options.minTasks],
      ['LAGPILOT_MIN_TASKS deployed', d('LAGPILOT_MIN_TASKS') && rules!.minTasks],
      ['the default', 1],
    ),
  };
}

/** The coarsest tick that every set's cadence is a multiple of (15 s for the knobs tuned). */
export function tickFor(envs: readonly Env[]): number {
  const intervals = envs.map((env) => parseScalingRules(env).stepIntervalMs / 1000);
  return [REAL_TRACE_TICK_S, 5, 3, 1].find((t) => intervals.every((s) => s % t === 0)) ?? 1;
}

/** Seconds as a LAGPILOT_* duration. */
const seconds = (s: number) => `${s}s`;

export function setupOf(
  options: TuneOptions,
  history: History,
  deployed: Env | undefined,
  progress: (text: string) => void,
): { setup: TuneSetup; facts: Facts } {
  const facts = factsOf(options, history, deployed);
  if (facts.minTasks.value > facts.maxTasks.value) {
    throw new UsageError(
      `the minimum of ${facts.minTasks.value} tasks (${facts.minTasks.from}) is above the maximum of ${facts.maxTasks.value} (${facts.maxTasks.from}): lower --min or raise --max`,
    );
  }
  const targets = {
    LAGPILOT_LAG_SLO: seconds(facts.sloS.value),
    LAGPILOT_MIN_TASKS: String(facts.minTasks.value),
    LAGPILOT_MAX_TASKS: String(facts.maxTasks.value),
  };
  const defaults = { ...targets };
  const base = {
    ...deployed,
    ...targets,
    LAGPILOT_SLO_ATTAINMENT: String(facts.attainment.value),
  };
  const fleet: FleetParams = {
    ...DEFAULT_FLEET,
    sloS: facts.sloS.value,
    partitions: facts.partitions.value,
    capacity: facts.capacity.value,
    startDelayS: facts.startDelayS.value,
    min: facts.minTasks.value,
    max: facts.maxTasks.value,
    seed: options.seed,
    // The knobs step every 15 or 30 s; a deployed cadence may need a finer tick.
    tickS: tickFor([base, defaults]),
  };
  const setup: TuneSetup = {
    history,
    fleet,
    target: facts.attainment.value,
    base,
    defaults,
    ...(deployed ? { deployed } : {}),
    seed: options.seed,
    progress,
  };
  return { setup, facts };
}
