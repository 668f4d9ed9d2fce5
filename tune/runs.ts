/**
 * Runs parameter sets through the simulator on both threads (the frontier's own point runner
 * and pool), each on the fleet its LAGPILOT_MIN_TASKS / _MAX_TASKS bound, so what is scored is
 * what `simulate --params` would show for the same file.
 */
import { parseScalingRules } from '../lambda/core/index.ts';
import type { FleetParams } from '../sim/fleet.ts';
import { type PointJob, runPoint } from '../sim/frontier.ts';
import { runPool } from '../sim/pool.ts';
import type { Score } from '../sim/score.ts';
import { type Trace, traceDurationS } from '../sim/trace.ts';

/** One set to run: its full LAGPILOT_* values, on a fleet. */
export interface SetRun {
  readonly setting: string;
  readonly env: Readonly<Record<string, string>>;
  readonly fleet: FleetParams;
}

/** The fleet a set runs on: the task bounds are its own. */
export function boundFleet(fleet: FleetParams, env: Readonly<Record<string, string>>): FleetParams {
  const rules = parseScalingRules(env);
  return { ...fleet, min: rules.minTasks, max: rules.maxTasks };
}

/** Each set's score on `trace`, in order; `onDone` sees each finished run. */
export function runSets(
  trace: Trace,
  sets: readonly SetRun[],
  onDone?: (done: number, total: number) => void,
): Promise<Score[]> {
  const jobs = sets.map(
    (s): PointJob => ({
      trace,
      fleet: boundFleet(s.fleet, s.env),
      env: s.env,
      statistic: 'maximum',
      point: { policy: 'lagpilot', setting: s.setting, params: {} },
    }),
  );
  // A step costs the same whatever the set: the run's length over its cadence is its cost.
  const cost = (job: PointJob) =>
    traceDurationS(job.trace) / (parseScalingRules(job.env).stepIntervalMs / 1000);
  return runPool(
    jobs.map((job) => ({ kind: 'point' as const, job })),
    (task) => runPoint(task.job),
    (task) => cost(task.job),
    onDone,
  );
}
