/**
 * One control step: observe → decide → act → report, as pure orchestration over the ports.
 *
 * Nothing escapes: a failed observation becomes a missing input to decide() (so it holds or
 * scales up only on what is present) plus an error in the report; failing to read or claim the
 * state, or to act, turns the step into a hold with the reason. The state is saved (with a
 * version check) BEFORE acting, so of two overlapping steps only one can act.
 */

import type { ScalingRules } from './config.ts';
import { decide } from './decide.ts';
import { messageOf, StateConflictError } from './errors.ts';
import { recordStep } from './history.ts';
import type {
  LagSource,
  MetricsSource,
  Reporter,
  ScalingTarget,
  StateStore,
  StepError,
  StepReport,
  Versioned,
} from './ports.ts';
import {
  type Decision,
  EMPTY_STATE,
  type EpochMs,
  type Observations,
  type Observed,
  type ScalerState,
} from './types.ts';

export interface ControlStepDeps {
  rules: ScalingRules;
  lag: LagSource;
  metrics: MetricsSource;
  target: ScalingTarget;
  store: StateStore;
  reporter: Reporter;
  /** Decide and report, never change the desired count. */
  dryRun: boolean;
  now: () => EpochMs;
}

/** The decision turned into a hold at its `from` count, keeping what it would have done. */
function asHold(decision: Decision, why: string): Decision {
  if (decision.action === 'hold') return { ...decision, reasons: [...decision.reasons, why] };
  return {
    ...decision,
    action: 'hold',
    to: decision.from,
    reasons: [
      `hold at ${decision.from}: ${why}`,
      `was: ${decision.reasons[0] ?? ''}`,
      ...decision.reasons.slice(1),
    ],
  };
}

export async function controlStep(deps: ControlStepDeps): Promise<StepReport> {
  const { rules } = deps;
  const now = deps.now();
  const errors: StepError[] = [];
  const observe = async <T>(
    source: StepError['source'],
    read: () => Promise<T>,
  ): Promise<Observed<T>> => {
    try {
      return { ok: true, value: await read() };
    } catch (error) {
      errors.push({ source, error: messageOf(error) });
      return { ok: false, error: messageOf(error) };
    }
  };
  const windowMs = Math.max(rules.upWindowMs, rules.downWindowMs);
  const [stored, lag, resources, service] = await Promise.all([
    observe('state', () => deps.store.load()),
    observe('kafka', () => deps.lag.observe()),
    observe('metrics', () => deps.metrics.resources(now, windowMs)),
    observe('service', () => deps.target.describe()),
  ]);
  const state: ScalerState = stored.ok ? stored.value.value : EMPTY_STATE;
  const obs: Observations = { lag, resources, service, state };
  let decision = decide(rules, obs, now);
  let acted = false;

  if (!stored.ok) {
    // Without the history, cooldowns and windows are unknown: judging now could act twice.
    decision = asHold(
      decision,
      `state not readable (${stored.error}): cooldowns and windows unknown`,
    );
  } else {
    const saved = await claim(deps.store, stored.value, recordStep(rules, obs, decision, now));
    if (saved !== true) {
      errors.push({ source: 'state', error: saved });
      decision = asHold(
        decision,
        saved.includes('another control step')
          ? saved
          : `state not saved (${saved}): not acting without a record`,
      );
    } else if (decision.action !== 'hold' && !deps.dryRun) {
      try {
        await deps.target.setDesired(decision.to);
        acted = true;
      } catch (error) {
        errors.push({ source: 'act', error: messageOf(error) });
        decision = asHold(decision, `setting the desired count failed (${messageOf(error)})`);
        // The action did not happen: record the hold, so no cooldown starts. Best effort: if
        // this save fails too, the recorded action only delays the next judgment.
        await claim(
          deps.store,
          { value: state, version: stored.value.version + 1 },
          recordStep(rules, obs, decision, now),
        );
      }
    }
  }

  const report: StepReport = {
    at: now,
    decision,
    acted,
    dryRun: deps.dryRun,
    observed: { lag: lag.ok ? lag.value : null, service: service.ok ? service.value : null },
    errors,
  };
  deps.reporter.report(report);
  return report;
}

/** Saves on top of the version read; true, or why it failed. */
async function claim(
  store: StateStore,
  read: Versioned<ScalerState>,
  next: ScalerState,
): Promise<true | string> {
  try {
    await store.save(next, read.version);
    return true;
  } catch (error) {
    if (error instanceof StateConflictError) return error.message;
    return messageOf(error);
  }
}
