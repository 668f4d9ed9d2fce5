/**
 * One control step: observe → decide → act → report, as pure orchestration over the ports.
 *
 * Nothing escapes: a failed observation becomes a missing input to decide() (so it holds or
 * scales up only on what is present) plus an error in the report; failing to read or claim the
 * state, or to act, turns the step into a hold with the reason. The state is saved (with a
 * version check) BEFORE acting, so of two overlapping steps only one can act.
 */

import { messageOf } from '../../kit/errors.ts';
import type { ScalingRules } from './config.ts';
import { StateConflictError } from './errors.ts';
import type {
  LagSource,
  MetricsSource,
  Reporter,
  ScalingTarget,
  StateStore,
  StepError,
  StepReport,
} from './ports.ts';
import { overrule, type Readings, step } from './step.ts';
import {
  type Decision,
  EMPTY_STATE,
  type EpochMs,
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
  const readings: Readings = { lag, resources, service };
  let decision: Decision;
  let acted = false;

  if (!stored.ok) {
    // Without the history, cooldowns and windows are unknown: judging now could act twice.
    const veto = { kind: 'state-unreadable', error: stored.error } as const;
    decision = step(rules, EMPTY_STATE, readings, now, veto).decision;
  } else {
    const { value: state, version } = stored.value;
    const next = step(rules, state, readings, now);
    decision = next.decision;
    const saved = await claim(deps.store, version, next.state);
    if (!saved.ok) {
      errors.push({ source: 'state', error: saved.error });
      const kind = saved.conflict ? 'state-conflict' : 'state-unsaved';
      decision = overrule(decision, { kind, error: saved.error });
    } else if (decision.action !== 'hold' && !deps.dryRun) {
      try {
        await deps.target.setDesired(decision.to);
        acted = true;
      } catch (error) {
        errors.push({ source: 'act', error: messageOf(error) });
        // The action did not happen: record the hold, so no cooldown starts. Best effort: if
        // this save fails too, the recorded action only delays the next judgment.
        const veto = { kind: 'act-failed', error: messageOf(error) } as const;
        const held = step(rules, state, readings, now, veto);
        decision = held.decision;
        await claim(deps.store, version + 1, held.state);
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

/** Saves on top of the version read; whether it failed because another step saved first. */
async function claim(
  store: StateStore,
  version: number,
  next: ScalerState,
): Promise<{ ok: true } | { ok: false; conflict: boolean; error: string }> {
  try {
    await store.save(next, version);
    return { ok: true };
  } catch (error) {
    return { ok: false, conflict: error instanceof StateConflictError, error: messageOf(error) };
  }
}
