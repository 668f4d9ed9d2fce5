/**
 * The scaling rules for the local system: the Lambda's rules from LAGPILOT_* (same parser,
 * same defaults) with every window and cooldown divided by the time scale, so a run of a few
 * minutes shows what an hour does on AWS (scale 12: the 2-minute down-window lasts 10 s).
 */

import { UsageError } from '../kit/cli.ts';
import { durationText, formatDuration } from '../kit/duration.ts';
import { parseScalingRulesAt, type ScalingRules } from '../lambda/core/index.ts';

export function localRules(
  env: Record<string, string | undefined>,
  timeScale: number,
  cadenceMs: number,
): ScalingRules {
  // The local loop is the step cadence: windows are judged on readings this far apart.
  const rules = parseScalingRulesAt(env, cadenceMs);
  const scaled: ScalingRules = {
    ...rules,
    upWindowMs: rules.upWindowMs / timeScale,
    upCooldownMs: rules.upCooldownMs / timeScale,
    downWindowMs: rules.downWindowMs / timeScale,
    downCooldownMs: rules.downCooldownMs / timeScale,
    // Until measured, the assumed start is scaled too: local workers start in seconds.
    taskStartMs: rules.taskStartMs / timeScale,
  };
  // As on AWS (LAGPILOT_UP_WINDOW ≥ LAGPILOT_STEP_INTERVAL): a window shorter than one step
  // could never see a signal sustained.
  for (const [name, ms] of [
    ['LAGPILOT_UP_WINDOW', scaled.upWindowMs],
    ['LAGPILOT_DOWN_WINDOW', scaled.downWindowMs],
  ] as const) {
    if (ms < cadenceMs) {
      throw new UsageError(
        `${name} ÷ --time-scale ${timeScale} = ${formatDuration(ms)} is shorter than one step (--cadence ${durationText(cadenceMs)}): lower --time-scale or --cadence`,
      );
    }
  }
  return scaled;
}
