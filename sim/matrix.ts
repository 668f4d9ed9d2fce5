/**
 * The robustness matrix: every built-in trace on every fleet of MATRIX_AXES, one scoreboard.
 * Cells are split between this thread and one worker thread (the reference machine has 2 cores).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseScalingRules } from '../lambda/core/index.ts';
import { lowerBounds } from './bound.ts';
import { compare } from './compare.ts';
import type { FleetParams } from './fleet.ts';
import { allPolicies, type PeerSettings, tunedKedaThreshold } from './policies/all.ts';
import { type ComparisonJson, comparisonJson } from './results-json.ts';
import type { SimulateOptions } from './simulate-args.ts';
import { BUILT_IN_TRACES } from './traces.ts';

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
}

export function runCell(job: CellJob): MatrixCell {
  const make = BUILT_IN_TRACES[job.trace];
  if (!make) throw new Error(`unknown built-in trace ${job.trace}`);
  const trace = make();
  const f = job.fleet;
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
  return { ...comparisonJson(c), fleetParams: f, boundHolds };
}

export function matrixJobs(
  base: FleetParams,
  env: Readonly<Record<string, string>>,
  peers: PeerSettings,
  kedaLagThreshold: number | undefined,
): CellJob[] {
  const jobs: CellJob[] = [];
  for (const trace of Object.keys(BUILT_IN_TRACES)) {
    for (const fleet of matrixFleets(base))
      jobs.push({ trace, fleet, env, peers, kedaLagThreshold });
  }
  return jobs;
}

/** Every cell of the matrix the options ask for (`--matrix`), in trace × fleet order. */
export function runMatrixFor(options: SimulateOptions): Promise<MatrixCell[]> {
  return runMatrix(matrixJobs(options.fleet, options.env, options.peers, options.kedaLagThreshold));
}

/** Runs the jobs on this thread and one worker, each taking the next job when free; keeps order. */
export async function runMatrix(jobs: readonly CellJob[]): Promise<MatrixCell[]> {
  const results: MatrixCell[] = new Array(jobs.length);
  // Longest first, so neither thread is left with one long trace at the end.
  const length = new Map(
    Object.entries(BUILT_IN_TRACES).map(([k, make]) => [k, make().rates.length]),
  );
  const cost = (job: CellJob) => length.get(job.trace) ?? 0;
  const order = jobs.map((_, i) => i).sort((a, b) => cost(jobs[b]!) - cost(jobs[a]!));
  let next = 0;
  // A worker thread does not inherit the main thread's TypeScript loader: it loads its module
  // through tsx's API.
  const file = fileURLToPath(new URL('./matrix-worker.ts', import.meta.url));
  const worker = new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true },
  );
  const remote = new Promise<void>((resolve, reject) => {
    const feed = () => {
      if (next >= order.length) {
        void worker.terminate().then(() => resolve());
        return;
      }
      const i = order[next++]!;
      worker.once('message', (cell: MatrixCell) => {
        results[i] = cell;
        feed();
      });
      worker.postMessage(jobs[i]);
    };
    worker.once('error', reject);
    feed();
  });
  // This thread takes jobs between the worker's, yielding so the worker's replies are handled.
  while (next < order.length) {
    const i = order[next++]!;
    results[i] = runCell(jobs[i]!);
    await new Promise((r) => setImmediate(r));
  }
  await remote;
  return results;
}
