/**
 * Drives the core's step() through a scripted world, one step per minute, the way the
 * control step does: the service's desired count follows each action.
 */
import type { ScalingRules } from '../../lambda/core/config.ts';
import { type Readings, step } from '../../lambda/core/step.ts';
import {
  type Decision,
  EMPTY_STATE,
  type GroupState,
  type GroupType,
  type Observed,
  type PartitionOffsets,
  type ScalerState,
} from '../../lambda/core/types.ts';

export const MINUTE = 60_000;

/**
 * The guide's thresholds (seed 004) with the project's first defaults for windows, steps and
 * cooldowns — not the verbatim reading, which is sim/examples/operators-guide.env. Rule-mechanics
 * tests pin them so their minute counts stay readable (5-minute up-window, 15-minute down-window,
 * −1 steps).
 */
export const OPERATORS_GUIDE: Readonly<Record<string, string>> = {
  LAGPILOT_LAG_HIGH: '10000',
  LAGPILOT_CPU_HIGH: '80',
  LAGPILOT_MEMORY_HIGH: '80',
  LAGPILOT_UP_WINDOW: '5m',
  LAGPILOT_UP_FACTOR: '2',
  LAGPILOT_UP_COOLDOWN: '3m',
  LAGPILOT_LAG_LOW: '1000',
  LAGPILOT_CPU_LOW: '30',
  LAGPILOT_MEMORY_LOW: '50',
  LAGPILOT_DOWN_WINDOW: '15m',
  LAGPILOT_DOWN_STEP: 'one',
  LAGPILOT_DOWN_COOLDOWN: '10m',
};

export interface World {
  /** Lag per partition (topic "t"), or a failure message. */
  lag: number[] | string;
  /** Messages appended per partition per step (default 1,000). */
  produced?: number;
  /** Partitions whose committed offset is frozen at its first value. */
  frozen?: number[];
  cpu?: number | null | string;
  memory?: number | null | string;
  group?: GroupState;
  /** The default group's type (its members follow the running count). */
  groupType?: GroupType;
  deploying?: boolean;
  /** Running tasks; default: the desired count. */
  running?: number;
  /** Overrides the desired count (an operator or another tool changed it). */
  desired?: number;
  /** The service cannot be read. */
  serviceError?: string;
}

export interface Run {
  decisions: Decision[];
  states: ScalerState[];
  desired: number[];
}

const ok = <T>(value: T): Observed<T> => ({ ok: true, value });
const failed = (error: string): Observed<never> => ({ ok: false, error });

/**
 * Runs the worlds in order, `stepMs` apart, starting with `desired` tasks. `learn: false` rolls
 * a new task definition every step, so the per-task capacity is relearned from scratch each time
 * and never known: the rules then judge as the operators' guide does, by message counts alone.
 */
export function run(
  rules: ScalingRules,
  worlds: readonly World[],
  {
    desired: initial = 4,
    stepMs = MINUTE,
    start = 1_000_000_000_000,
    learn = true,
    state: kept = EMPTY_STATE,
  }: {
    desired?: number;
    stepMs?: number;
    start?: number;
    learn?: boolean;
    /** The state the first step starts from (as a cold start would load it). */
    state?: ScalerState;
  } = {},
): Run {
  let desired = initial;
  let state: ScalerState = kept;
  const ends = new Map<number, number>();
  const frozenAt = new Map<number, number>();
  const out: Run = { decisions: [], states: [], desired: [] };
  worlds.forEach((w, i) => {
    const now = start + i * stepMs;
    if (w.desired !== undefined) desired = w.desired;
    let lag: Observed<import('../../lambda/core/types.ts').LagSnapshot>;
    if (typeof w.lag === 'string') {
      lag = failed(w.lag);
    } else {
      const partitions: PartitionOffsets[] = w.lag.map((l, p) => {
        const end = (ends.get(p) ?? 1_000_000) + (w.produced ?? 1_000);
        ends.set(p, end);
        let committed = end - l;
        if (w.frozen?.includes(p)) {
          committed = frozenAt.get(p) ?? committed;
          frozenAt.set(p, committed);
        }
        return { topic: 't', partition: p, committed, end, start: 0, lag: end - committed };
      });
      lag = ok({
        topics: ['t'],
        partitions,
        partitionCount: partitions.length,
        group: w.group ?? {
          state: 'Stable',
          members: w.running ?? desired,
          ...(w.groupType ? { type: w.groupType } : {}),
        },
      });
    }
    const sample = (v: number | null | string | undefined, fallback: number) =>
      v === undefined ? fallback : typeof v === 'string' ? null : v;
    const resourceError =
      typeof w.cpu === 'string' ? w.cpu : typeof w.memory === 'string' ? w.memory : undefined;
    const readings: Readings = {
      lag,
      resources:
        resourceError !== undefined
          ? failed(resourceError)
          : ok([{ at: now, cpu: sample(w.cpu, 50), memory: sample(w.memory, 60) }]),
      service: w.serviceError
        ? failed(w.serviceError)
        : ok({
            desired,
            running: w.running ?? desired,
            pending: 0,
            deploying: w.deploying ?? false,
            ...(learn ? {} : { taskDefinition: `mirror:${i + 1}` }),
          }),
    };
    const next = step(rules, state, readings, now);
    const decision = next.decision;
    state = next.state;
    if (decision.action !== 'hold') desired = decision.to;
    out.decisions.push(decision);
    out.states.push(state);
    out.desired.push(desired);
  });
  return out;
}

/** `n` copies of a world. */
export const repeat = (n: number, w: World): World[] => Array.from({ length: n }, () => w);

/** Lag spread evenly over `partitions` partitions. */
export const spread = (total: number, partitions = 12): number[] =>
  Array.from(
    { length: partitions },
    (_, i) => Math.floor(total / partitions) + (i < total % partitions ? 1 : 0),
  );
