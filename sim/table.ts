/** The results table of one trace, as Markdown (readable in a terminal and in docs). */
import type { Bound } from './bound.ts';
import type { Feasibility } from './feasibility.ts';
import type { Score } from './score.ts';

const n = (v: number): string => v.toLocaleString('en-US');
/** SLO attainment as a table shows it: percent with 3 decimals. */
export const attained = (percent: number): string => `${percent.toFixed(3)} %`;
const relative = (value: number, base: number): string =>
  base > 0 ? `${value >= base ? '+' : ''}${Math.round((value / base - 1) * 100)} %` : '—';

/** The targets lagpilot is judged by; the verdict line states them. */
export const TARGETS = {
  /** Instance-minutes at most this × the reference's. */
  costVsReference: 1.25,
  /** Scaling actions at most this × KEDA's at the tuned threshold. */
  actionsVsKeda: 0.5,
} as const;

export const REFERENCE = 'reference';
const isTunedKeda = (policy: string) => policy.startsWith('keda-tuned');

export function resultsTable(scores: readonly Score[], bound?: Bound): string {
  const reference = scores.find((s) => s.policy === REFERENCE);
  const rows = scores.map(
    (s) =>
      `| ${s.policy} | ${n(s.sloViolationMinutes)} | ${attained(s.sloAttainment)} | ${n(s.peakLag)} | ${n(s.peakLagSeconds)} | ${n(s.instanceMinutes)} | ${reference ? relative(s.instanceMinutes, reference.instanceMinutes) : '—'} | ${bound ? relative(s.instanceMinutes, bound.instanceMinutes) : '—'} | ${n(s.actions)} |`,
  );
  if (bound) {
    rows.push(
      `| lower bound | ≥ ${n(bound.unavoidableViolationMinutes)} | | | | ${n(Math.floor(bound.instanceMinutes))} | ${reference ? relative(bound.instanceMinutes, reference.instanceMinutes) : '—'} | +0 % | |`,
    );
  }
  return [
    '| policy | SLO-violation min | in SLO (of minutes) | peak lag (msgs) | peak lag (s) | instance-min | vs reference | vs bound | actions |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** Whether lagpilot meets its targets on this trace, and which ones it misses. */
export interface TargetCheck {
  readonly met: boolean;
  readonly misses: readonly string[];
}

/**
 * The targets for lagpilot: no more SLO-violation minutes than any peer, instance-minutes at most
 * 1.25 × the reference's, at most half the scaling actions of KEDA at the tuned threshold.
 */
export function checkTargets(scores: readonly Score[]): TargetCheck | undefined {
  const ours = scores.find((s) => s.policy === 'lagpilot');
  if (!ours) return undefined;
  const misses: string[] = [];
  const peers = scores.filter((s) => s.policy !== 'lagpilot' && s.policy !== REFERENCE);
  const better = peers.filter((p) => p.sloViolationMinutes < ours.sloViolationMinutes);
  if (better.length > 0) {
    misses.push(
      `more SLO-violation minutes (${ours.sloViolationMinutes}) than ${better.map((p) => `${p.policy} (${p.sloViolationMinutes})`).join(', ')}`,
    );
  }
  const reference = scores.find((s) => s.policy === REFERENCE);
  if (reference && ours.instanceMinutes > reference.instanceMinutes * TARGETS.costVsReference) {
    misses.push(
      `instance-minutes ${ours.instanceMinutes} over ${TARGETS.costVsReference} × the reference's ${reference.instanceMinutes}`,
    );
  }
  const keda = scores.find((s) => isTunedKeda(s.policy));
  if (keda && ours.actions > keda.actions * TARGETS.actionsVsKeda) {
    misses.push(
      `${ours.actions} scaling actions, over ${TARGETS.actionsVsKeda} × the ${keda.actions} of ${keda.policy}`,
    );
  }
  return { met: misses.length === 0, misses };
}

/** The verdict line: the targets stated, and whether the trace could be carried at all. */
export function verdict(check: TargetCheck | undefined, f: Feasibility): string {
  if (!check) return '';
  const targets = `targets: SLO-violation minutes ≤ every peer's, instance-minutes ≤ ${TARGETS.costVsReference} × reference, actions ≤ ${TARGETS.actionsVsKeda} × KEDA (tuned)`;
  const infeasible = f.feasible
    ? ''
    : ' The trace exceeds what the partition cap can carry: no policy keeps the SLO on it.';
  if (check.met) {
    return f.feasible
      ? `lagpilot meets its targets on this trace (${targets}).`
      : `lagpilot meets its targets on this trace (${targets}), but the trace is infeasible.${infeasible}`;
  }
  return `lagpilot misses (${targets}): ${check.misses.join('; ')}.${infeasible}`;
}
