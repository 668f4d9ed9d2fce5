/**
 * Steps within one scheduled invocation: the schedule fires once a minute, and an invocation runs
 * a step every LAGPILOT_STEP_INTERVAL after its first — always, or (LAGPILOT_STEP_WHEN `moving`)
 * only while something moves, so a quiet service costs one short invocation a minute and a busy
 * one sees a jump within an interval. Pure: the Lambda's step loop and the simulator both ask here.
 */

import { groupCapacity } from './capacity.ts';
import type { ScalingRules } from './config.ts';
import type { Decision } from './types.ts';

/** A backlog older than this share of the SLO is moving. */
export const MOVING_AGE = 0.1;
/** A produce rate above this share of what the fleet carries is near it: a 2× jump would outrun it. */
export const MOVING_LOAD = 0.5;

/** Whether the invocation runs its next step after this decision. */
export function keepStepping(rules: ScalingRules, decision: Decision): boolean {
  // This step lost the state race to another running beside it (a duplicate delivery of a
  // queued step): that one goes on, or the rest of the minute would run twice.
  if (decision.vetoed?.veto.kind === 'state-conflict') return false;
  if (rules.stepWhen === 'always') return true;
  if (decision.action !== 'hold') return true;
  const { cause, measures: m } = decision;
  // Waiting on a start, a rebalance or a window: the next step judges what this one could not.
  if (cause.rule === 'hold' && ['waiting', 'not-sustained'].includes(cause.hold.kind)) return true;
  if (m.lagSeconds === null || m.produceRate === null || m.taskCapacity === null) return true;
  if (m.lagSeconds * 1000 >= rules.lagSloMs * MOVING_AGE) return true;
  const carried = groupCapacity(m.taskCapacity, m.partitions, decision.to);
  return m.produceRate >= carried * MOVING_LOAD;
}
