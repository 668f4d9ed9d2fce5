/**
 * One control step of the rules, pure: decide on this step's readings and the kept state, then
 * record the step into the state the next one starts from. The Lambda's control step, the
 * local runner (through it) and the simulator all step through here, so they judge alike.
 */

import type { Veto } from './cause.ts';
import type { ScalingRules } from './config.ts';
import { decide } from './decide.ts';
import { recordStep } from './history.ts';
import type { Decision, EpochMs, Observations, ScalerState } from './types.ts';

/** This step's readings: lag, CPU/memory and the service, each observed or failed. */
export type Readings = Omit<Observations, 'state'>;

export interface StepResult {
  decision: Decision;
  /** The state to keep for the next step. */
  state: ScalerState;
}

/** The decision turned into a hold at its `from` count, keeping what the rules chose. */
export function overrule(decision: Decision, veto: Veto): Decision {
  if (decision.action === 'hold') return { ...decision, vetoed: { veto, was: null } };
  const was = { action: decision.action, to: decision.to };
  return { ...decision, action: 'hold', to: decision.from, vetoed: { veto, was } };
}

/**
 * Decides and records. With a veto the decision is overruled into a hold before it is
 * recorded, so an action that did not happen starts no cooldown.
 */
export function step(
  rules: ScalingRules,
  state: ScalerState,
  readings: Readings,
  now: EpochMs,
  veto?: Veto,
): StepResult {
  const observations: Observations = { ...readings, state };
  const decided = decide(rules, observations, now);
  const decision = veto ? overrule(decided, veto) : decided;
  return { decision, state: recordStep(rules, observations, decision, now) };
}
