/**
 * What `lagpilot tune` searches: the knobs the control design offers to trade cost for SLO, as
 * LAGPILOT_* overrides on top of the run's base (the defaults with the user's targets and fleet
 * bounds). One knob at a time first, then the cheap moves that kept the target, combined.
 */
import type { EnvName } from '../lambda/core/index.ts';
import { dominators } from '../sim/dominance.ts';
import type { Score } from '../sim/score.ts';

/** One parameter set: its overrides on top of the base, and its name in tables. */
export interface Candidate {
  readonly setting: string;
  readonly overrides: Readonly<Partial<Record<EnvName, string>>>;
}

export interface Knob {
  readonly name: EnvName;
  readonly values: readonly string[];
}

export const BASE = 'base';

/** Attainment with n nines more or fewer: 99.9 → 99.8 (twice the budget) or 99.95 (half). */
const budgetTimes = (target: number, k: number) =>
  Math.min(99.999, Math.max(50, Math.round((100 - (100 - target) * k) * 1000) / 1000));

/**
 * The knobs and the values tried besides the base's: the error-budget floor's target (a cheaper
 * and a stricter one), the scale-down's window and cooldown (shorter: cheaper; longer: calmer),
 * a headroom, one more minimum task, and a slower cadence.
 */
export function knobsFor(target: number, minTasks: number, maxTasks: number): Knob[] {
  const knobs: Knob[] = [
    {
      name: 'LAGPILOT_SLO_ATTAINMENT',
      values: [String(budgetTimes(target, 2)), String(budgetTimes(target, 0.5))],
    },
    { name: 'LAGPILOT_DOWN_WINDOW', values: ['1m', '10m'] },
    { name: 'LAGPILOT_DOWN_COOLDOWN', values: ['2m', '10m'] },
    { name: 'LAGPILOT_HEADROOM', values: ['1.25'] },
    { name: 'LAGPILOT_STEP_INTERVAL', values: ['30s'] },
  ];
  if (minTasks + 1 <= maxTasks) {
    knobs.push({ name: 'LAGPILOT_MIN_TASKS', values: [String(minTasks + 1)] });
  }
  return knobs;
}

const settingOf = (overrides: Candidate['overrides']) =>
  Object.entries(overrides)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || BASE;

/** The base and every knob moved alone. */
export function firstRound(knobs: readonly Knob[], base: Candidate['overrides']): Candidate[] {
  const moved = knobs.flatMap((knob) =>
    knob.values
      .filter((v) => v !== base[knob.name])
      .map((v) => ({ setting: `${knob.name}=${v}`, overrides: { [knob.name]: v } })),
  );
  return [{ setting: BASE, overrides: {} }, ...moved];
}

export interface Evaluated {
  readonly candidate: Candidate;
  readonly score: Score;
}

export const meets = (s: Score, target: number): boolean => s.sloAttainment >= target;

/**
 * The second round: the moves that kept the target and cost less than the base, cheapest first,
 * stacked (the two cheapest of different knobs, then the three): each knob's saving adds up only
 * if the target still holds, which the run then tells.
 */
export function secondRound(first: readonly Evaluated[], target: number): Candidate[] {
  const base = first.find((e) => e.candidate.setting === BASE);
  if (!base) return [];
  const byKnob = new Map<string, Evaluated>();
  const cheaper = first
    .filter((e) => e !== base && meets(e.score, target))
    .filter((e) => e.score.instanceMinutes < base.score.instanceMinutes)
    .sort((a, b) => a.score.instanceMinutes - b.score.instanceMinutes);
  for (const e of cheaper) {
    const knob = Object.keys(e.candidate.overrides)[0]!;
    if (!byKnob.has(knob)) byKnob.set(knob, e);
  }
  const moves = [...byKnob.values()];
  const out: Candidate[] = [];
  for (let n = 2; n <= Math.min(3, moves.length); n++) {
    const overrides = Object.assign({}, ...moves.slice(0, n).map((e) => e.candidate.overrides));
    out.push({ setting: settingOf(overrides), overrides });
  }
  return out;
}

/** The evaluated sets no other one beats on both violation minutes and instance-minutes. */
export function onFrontier(all: readonly Evaluated[]): Evaluated[] {
  return all.filter(
    (e) =>
      dominators(
        e.score,
        all.map((o) => o.score),
      ).length === 0,
  );
}

/**
 * The cheapest set that kept the target (fewest instance-minutes; then fewest violation minutes,
 * then fewest actions), or none: a target no set reached is not recommended.
 */
export function cheapestMeeting(all: readonly Evaluated[], target: number): Evaluated | undefined {
  return all
    .filter((e) => meets(e.score, target))
    .sort(
      (a, b) =>
        a.score.instanceMinutes - b.score.instanceMinutes ||
        a.score.sloViolationMinutes - b.score.sloViolationMinutes ||
        a.score.actions - b.score.actions,
    )[0];
}
