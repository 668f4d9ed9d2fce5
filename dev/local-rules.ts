/**
 * The scaling rules for the local system: the Lambda's rules from LAGPILOT_* (same parser,
 * same defaults) with every window and cooldown divided by the time scale, so a run of a few
 * minutes shows what an hour does on AWS (scale 12: the 5-minute up-window lasts 25 s).
 */
import { parseScalingRules, type ScalingRules } from '../lambda/config.ts';
import { maxSampleGap } from '../lambda/history.ts';
import { StartUsageError } from './start-args.ts';

export function localRules(
  env: Record<string, string | undefined>,
  timeScale: number,
  cadenceMs: number,
): ScalingRules {
  const rules = parseScalingRules(env);
  const scaled: ScalingRules = {
    ...rules,
    upWindowMs: rules.upWindowMs / timeScale,
    upCooldownMs: rules.upCooldownMs / timeScale,
    downWindowMs: rules.downWindowMs / timeScale,
    downCooldownMs: rules.downCooldownMs / timeScale,
  };
  // A window holds only over samples no further apart than maxSampleGap: each window needs
  // several steps in it, or no signal can ever be sustained.
  for (const [name, ms] of [
    ['LAGPILOT_UP_WINDOW', scaled.upWindowMs],
    ['LAGPILOT_DOWN_WINDOW', scaled.downWindowMs],
  ] as const) {
    if (maxSampleGap(ms) < cadenceMs * 1.2) {
      throw new StartUsageError(
        `${name} ÷ --time-scale ${timeScale} = ${ms / 1000} s is too short for --cadence ${cadenceMs / 1000} s: a window must last at least 2.4 steps (its samples may be at most half a window apart); lower --time-scale or --cadence`,
      );
    }
  }
  return scaled;
}
