/**
 * The search and its check: every candidate runs on the older two thirds of the history, the
 * cheapest that kept the target is chosen there, and only then is it run on the newest third
 * next to the defaults (and the deployed values): a choice the defaults dominate there, or that
 * misses the target where the defaults keep it, fitted the past only, and the defaults stand.
 */
import { dominators } from '../sim/dominance.ts';
import type { FleetParams } from '../sim/fleet.ts';
import type { Score } from '../sim/score.ts';
import { daysOf, type History, type Split, splitHistory } from './history.ts';
import { type Reach, whatWouldReach } from './reach.ts';
import { runSets, type SetRun } from './runs.ts';
import {
  BASE,
  type Candidate,
  cheapestMeeting,
  type Evaluated,
  firstRound,
  knobsFor,
  meets,
  onFrontier,
  secondRound,
} from './space.ts';

type Env = Readonly<Record<string, string>>;

export interface TuneSetup {
  readonly history: History;
  /** The simulated fleet: the SLO, partitions, capacity, start delay and tick to replay at. */
  readonly fleet: FleetParams;
  /** The share of minutes (%) the lag SLO must hold. */
  readonly target: number;
  /** What the search starts from: the deployed values (or none) with the targets and bounds. */
  readonly base: Env;
  /** lagpilot's defaults with the same SLO and bounds: the yardstick. */
  readonly defaults: Env;
  /** Today's deployed values, when given. */
  readonly deployed?: Env;
  readonly seed: number;
  /** A progress line (replaced in place on a terminal). */
  readonly progress: (text: string) => void;
}

/** How a set does on the newest third, which the search never saw. */
export interface HeldOut {
  readonly recommended: Score;
  readonly defaults: Score;
  readonly deployed?: Score;
  /** The defaults dominate the choice there (fewer of one, no more of the other). */
  readonly dominated: boolean;
  readonly keepsTarget: boolean;
  /** The choice did not hold out of sample: the defaults are recommended instead. */
  readonly fellBack: boolean;
}

export interface TuneResult {
  readonly split: Split & { readonly tuneDays: number; readonly heldDays: number };
  /** Every set run on the older part, first round then second. */
  readonly candidates: readonly Evaluated[];
  readonly frontier: readonly Evaluated[];
  /** The search's choice on the older part; undefined: no set reached the target. */
  readonly chosen?: Evaluated;
  /** What to deploy: the choice, or the defaults if the choice did not hold out. */
  readonly recommended?: { readonly setting: string; readonly env: Env };
  readonly heldOut?: HeldOut;
  /** When no set reached the target: what would. */
  readonly reach?: Reach;
}

const envOf = (setup: TuneSetup, c: Candidate): Env => ({ ...setup.base, ...c.overrides });

async function stage(
  setup: TuneSetup,
  label: string,
  trace: Split['tune'],
  sets: readonly SetRun[],
): Promise<Score[]> {
  setup.progress(`${label}: 0/${sets.length}`);
  return runSets(trace, sets, (done, total) => setup.progress(`${label}: ${done}/${total}`));
}

/** Both rounds on the older part. */
async function search(setup: TuneSetup, split: Split): Promise<Evaluated[]> {
  const rules = { min: Number(setup.base.LAGPILOT_MIN_TASKS), max: setup.fleet.max };
  const knobs = knobsFor(setup.target, rules.min, rules.max);
  const days = `${daysOf(split.tune).toFixed(1)} days`;
  const run = async (round: string, candidates: readonly Candidate[]) => {
    const sets = candidates.map((c) => ({
      setting: c.setting,
      env: envOf(setup, c),
      fleet: setup.fleet,
    }));
    const scores = await stage(setup, `${round} on the older ${days}`, split.tune, sets);
    return candidates.map((candidate, i) => ({ candidate, score: scores[i]! }));
  };
  const first = await run('round 1, one knob at a time', firstRound(knobs, setup.base));
  const combined = secondRound(first, setup.target);
  return combined.length > 0 ? [...first, ...(await run('round 2, combined', combined))] : first;
}

/** The choice and the defaults (and the deployed values) on the newest third. */
async function checkHeldOut(
  setup: TuneSetup,
  split: Split,
  chosen: Evaluated,
): Promise<{ heldOut: HeldOut; recommended: { setting: string; env: Env } }> {
  const sets: SetRun[] = [
    { setting: chosen.candidate.setting, env: envOf(setup, chosen.candidate), fleet: setup.fleet },
    { setting: 'defaults', env: setup.defaults, fleet: setup.fleet },
  ];
  if (setup.deployed) sets.push({ setting: 'deployed', env: setup.base, fleet: setup.fleet });
  const days = `${daysOf(split.held).toFixed(1)} days`;
  const [recommended, defaults, deployed] = await stage(
    setup,
    `checking on the newest ${days}, not tuned on`,
    split.held,
    sets,
  );
  const dominated = dominators(recommended!, [defaults!]).length > 0;
  const keepsTarget = meets(recommended!, setup.target);
  const fellBack = dominated || (!keepsTarget && meets(defaults!, setup.target));
  return {
    heldOut: {
      recommended: recommended!,
      defaults: defaults!,
      ...(deployed ? { deployed } : {}),
      dominated,
      keepsTarget,
      fellBack,
    },
    recommended: fellBack
      ? { setting: 'defaults', env: setup.defaults }
      : { setting: chosen.candidate.setting, env: sets[0]!.env },
  };
}

export async function tune(setup: TuneSetup): Promise<TuneResult> {
  const split = splitHistory(setup.history.trace, setup.seed);
  const splitInfo = { ...split, tuneDays: daysOf(split.tune), heldDays: daysOf(split.held) };
  const candidates = await search(setup, split);
  const frontier = onFrontier(candidates);
  const chosen = cheapestMeeting(candidates, setup.target);
  if (!chosen) {
    const closest = [...candidates].sort(
      (a, b) => b.score.sloAttainment - a.score.sloAttainment,
    )[0]!;
    const best = {
      setting: closest.candidate.setting,
      env: envOf(setup, closest.candidate),
      fleet: setup.fleet,
    };
    setup.progress('the target was not reached: trying fleet changes');
    const reach = await whatWouldReach(split.tune, best, setup.target, (done, total) =>
      setup.progress(`fleet changes on the older part: ${done}/${total}`),
    );
    return { split: splitInfo, candidates, frontier, reach };
  }
  const { heldOut, recommended } = await checkHeldOut(setup, split, chosen);
  return { split: splitInfo, candidates, frontier, chosen, recommended, heldOut };
}

/** The base's row: the search's starting point. */
export const baseOf = (result: TuneResult): Evaluated | undefined =>
  result.candidates.find((e) => e.candidate.setting === BASE);
