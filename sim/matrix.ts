/**
 * The robustness matrix: every built-in trace (shapes and real traces) on every fleet of
 * MATRIX_AXES, one scoreboard. Cells are split between this thread and one worker thread (the
 * reference machine has 2 cores).
 */
import { parseScalingRules } from '../lambda/core/index.ts';
import { lowerBounds } from './bound.ts';
import { compare } from './compare.ts';
import type { FleetParams } from './fleet.ts';
import { type CellVerdict, cellVerdict } from './matrix-verdict.ts';
import { allPolicies, type PeerSettings, tunedKedaThreshold } from './policies/all.ts';
import { runPool } from './pool.ts';
import { type ComparisonJson, comparisonJson } from './results-json.ts';
import { samplingFor, withSampling } from './sampling.ts';
import type { SimulateOptions } from './simulate-args.ts';
import { type Trace, traceDurationS } from './trace.ts';
import { ALL_TRACE_NAMES, loadTrace } from './traces.ts';

/** The fleets the matrix crosses (16): each axis is a doubt the default fleet hides. */
export const MATRIX_AXES = {
  capacity: [1000, 3000],
  cpuAtCapacity: [100, 40],
  rebalanceS: [5, 15],
  startDelayS: [30, 120],
} as const;

export function matrixFleets(base: FleetParams): FleetParams[] {
  const out: FleetParams[] = [];
  for (const capacity of MATRIX_AXES.capacity)
    for (const cpuAtCapacity of MATRIX_AXES.cpuAtCapacity)
      for (const rebalanceS of MATRIX_AXES.rebalanceS)
        for (const startDelayS of MATRIX_AXES.startDelayS)
          out.push({ ...base, capacity, cpuAtCapacity, rebalanceS, startDelayS });
  return out;
}

/** What a cell needs, as plain data (it crosses to the worker thread). */
export interface CellJob {
  readonly trace: string;
  readonly fleet: FleetParams;
  readonly env: Readonly<Record<string, string>>;
  readonly peers: PeerSettings;
  readonly kedaLagThreshold: number | undefined;
}

export interface MatrixCell extends ComparisonJson {
  readonly fleetParams: FleetParams;
  /** Every policy spent at least the bound given the minutes it violated. */
  readonly boundHolds: boolean;
  /** lagpilot's default against the peers there and the reference. */
  readonly matrixVerdict: CellVerdict | null;
}

/** Traces built once per thread and seed: a real trace is parsed and resampled once, not per cell. */
const built = new Map<string, Trace>();

/** A matrix trace by name, sampled as `--trace <name>` samples it with the fleet's seed. */
export function matrixTrace(name: string, seed: number): Trace {
  const key = `${name}:${seed}`;
  let trace = built.get(key);
  if (!trace) {
    const plain = loadTrace(name);
    trace = withSampling(plain, samplingFor(plain, {}, seed));
    built.set(key, trace);
  }
  return trace;
}

export function runCell(job: CellJob): MatrixCell {
  const f = job.fleet;
  const trace = matrixTrace(job.trace, f.seed);
  const peers = {
    ...job.peers,
    kedaLagThreshold: job.kedaLagThreshold ?? tunedKedaThreshold(f.capacity, f.sloS),
  };
  const c = compare(trace, f, allPolicies(parseScalingRules(job.env), peers));
  const bounds = lowerBounds(
    trace,
    f,
    c.runs.map((run) => Array.from(run.lagSeconds, (s) => s > f.sloS)),
  );
  const boundHolds = c.runs.every(
    (run, i) => run.tasks.reduce((a, b) => a + b, 0) >= bounds[i]!.instanceMinutes - 1e-6,
  );
  return { ...comparisonJson(c), fleetParams: f, boundHolds, matrixVerdict: cellVerdict(c.scores) };
}

export function matrixJobs(
  base: FleetParams,
  env: Readonly<Record<string, string>>,
  peers: PeerSettings,
  kedaLagThreshold: number | undefined,
  traces: readonly string[] = ALL_TRACE_NAMES,
): CellJob[] {
  const jobs: CellJob[] = [];
  for (const trace of traces) {
    for (const fleet of matrixFleets(base))
      jobs.push({ trace, fleet, env, peers, kedaLagThreshold });
  }
  return jobs;
}

/** Every cell of the matrix the options ask for (`--matrix`), in trace × fleet order. */
export function runMatrixFor(options: SimulateOptions): Promise<MatrixCell[]> {
  return runMatrix(matrixJobs(options.fleet, options.env, options.peers, options.kedaLagThreshold));
}

/** Runs the cells on this thread and one worker thread, longest traces first; keeps order. */
export function runMatrix(jobs: readonly CellJob[]): Promise<MatrixCell[]> {
  const seconds = new Map<string, number>();
  const cost = (job: CellJob) => {
    if (!seconds.has(job.trace)) seconds.set(job.trace, traceDurationS(loadTrace(job.trace)));
    return seconds.get(job.trace)! / job.fleet.tickS;
  };
  return runPool(
    jobs.map((job) => ({ kind: 'cell' as const, job })),
    (task) => runCell(task.job),
    (task) => cost(task.job),
  );
}
