/**
 * Several control steps in one scheduled invocation. EventBridge fires at most once a minute;
 * with LAGPILOT_STEP_INTERVAL below a minute the invocation runs a step at once and then one
 * every interval until the next invocation is due (15 s: at 0, 15, 30 and 45 s), or until a step
 * finds nothing moving (LAGPILOT_STEP_WHEN `moving`: the invocation ends early). Each step is
 * awaited before the next is due, so steps never overlap; the state store's version check still
 * guards against an overlapping invocation.
 */

import type { EpochMs, Millis } from '../core/index.ts';

/** The schedule's period: the next invocation starts one minute after this one. */
export const SCHEDULE_PERIOD_MS: Millis = 60_000;

/**
 * The time a step is given before the function's timeout. A step takes tens of milliseconds
 * (docs/benchmarks.md) and fails fast when Kafka is unreachable (3 s connection timeout); a
 * step that could not finish is not started, so the timeout never cuts one between saving the
 * state and acting.
 */
export const STEP_RESERVE_MS: Millis = 5_000;

export interface StepLoopOptions<T> {
  /** LAGPILOT_STEP_INTERVAL. */
  intervalMs: Millis;
  clock: () => EpochMs;
  sleep: (ms: Millis) => Promise<void>;
  /** Time left before the function times out (the Lambda context's getRemainingTimeInMillis). */
  remainingMs: () => Millis;
  /**
   * Whether to run the next step after this one (LAGPILOT_STEP_WHEN: core's keepStepping).
   * @default - always
   */
  continueAfter?: (step: T) => boolean;
}

/** Why the loop ran fewer steps than the cadence asks for (undefined: it ran them all). */
export interface StepLoopResult<T> {
  steps: T[];
  cutShort?: string;
}

/** Runs `step` now and then every interval within the schedule period, one at a time. */
export async function runSteps<T>(
  step: () => Promise<T>,
  options: StepLoopOptions<T>,
): Promise<StepLoopResult<T>> {
  const { intervalMs, clock, sleep, remainingMs, continueAfter = () => true } = options;
  const start = clock();
  const steps = [await step()];
  for (let due = start + intervalMs; due < start + SCHEDULE_PERIOD_MS; due += intervalMs) {
    // Nothing moves: the invocation ends, and the next scheduled one steps again.
    if (!continueAfter(steps.at(-1)!)) break;
    // A step that overran its slot: skip the slot rather than run two steps back to back.
    if (clock() > due) continue;
    const wait = due - clock();
    const left = remainingMs() - wait;
    if (left < STEP_RESERVE_MS) {
      const s = Math.round(left / 1000);
      return {
        steps,
        cutShort: `${steps.length} of ${SCHEDULE_PERIOD_MS / intervalMs} steps: ${s} s would be left before the function timeout, under the ${STEP_RESERVE_MS / 1000} s a step is given; raise the timeout`,
      };
    }
    await sleep(wait);
    steps.push(await step());
  }
  return { steps };
}
