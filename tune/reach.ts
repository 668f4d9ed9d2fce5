/**
 * A target no parameter set reached: what would. The fleet changes an operator can make —
 * tasks up to the partition count, more partitions (and tasks), a faster task start — each run
 * with the set that came closest, on the same older part of the history.
 */
import { type Feasibility, feasibility } from '../sim/feasibility.ts';
import type { FleetParams } from '../sim/fleet.ts';
import type { Trace } from '../sim/trace.ts';
import { runSets, type SetRun } from './runs.ts';
import { meets } from './space.ts';

export interface FleetChange {
  /** What to change, as the operator would say it. */
  readonly change: string;
  readonly sloAttainment: number;
  readonly instanceMinutes: number;
  readonly reaches: boolean;
}

export interface Reach {
  readonly feasibility: Feasibility;
  readonly changes: readonly FleetChange[];
}

/** The fleet changes worth a run for `best` on `fleet`. */
export function fleetChanges(best: SetRun, fleet: FleetParams): SetRun[] {
  const env = best.env;
  const max = Number(env.LAGPILOT_MAX_TASKS ?? fleet.max);
  const changes: SetRun[] = [];
  if (max < fleet.partitions) {
    changes.push({
      setting: `LAGPILOT_MAX_TASKS=${fleet.partitions} (one task per partition)`,
      env: { ...env, LAGPILOT_MAX_TASKS: String(fleet.partitions) },
      fleet,
    });
  }
  const more = fleet.partitions * 2;
  changes.push({
    setting: `${more} partitions and LAGPILOT_MAX_TASKS=${more}`,
    env: { ...env, LAGPILOT_MAX_TASKS: String(more) },
    fleet: { ...fleet, partitions: more },
  });
  const start = Math.round(fleet.startDelayS / 2);
  changes.push({
    setting: `a task start of ${start} s (now ${fleet.startDelayS} s: a smaller image, a warm pool)`,
    env: { ...env, LAGPILOT_TASK_START: `${start}s` },
    fleet: { ...fleet, startDelayS: start },
  });
  return changes;
}

/** Runs each fleet change with `best` on `tune`: which of them reach `target`. */
export async function whatWouldReach(
  tune: Trace,
  best: SetRun,
  target: number,
  onDone?: (done: number, total: number) => void,
): Promise<Reach> {
  const changes = fleetChanges(best, best.fleet);
  const scores = await runSets(tune, changes, onDone);
  return {
    feasibility: feasibility(tune, best.fleet),
    changes: changes.map((c, i) => ({
      change: c.setting,
      sloAttainment: scores[i]!.sloAttainment,
      instanceMinutes: scores[i]!.instanceMinutes,
      reaches: meets(scores[i]!, target),
    })),
  };
}
