/** The results table of one trace, as Markdown (readable in a terminal and in docs). */
import type { Score } from './score.ts';

const n = (v: number): string => v.toLocaleString('en-US');

export function resultsTable(scores: readonly Score[]): string {
  const oracle = scores.find((s) => s.policy === 'oracle');
  const rows = scores.map((s) => {
    const vsOracle =
      oracle && oracle.instanceMinutes > 0
        ? `${s.instanceMinutes >= oracle.instanceMinutes ? '+' : ''}${Math.round((s.instanceMinutes / oracle.instanceMinutes - 1) * 100)} %`
        : '—';
    return `| ${s.policy} | ${n(s.sloViolationMinutes)} | ${n(s.peakLag)} | ${n(s.peakLagSeconds)} | ${n(s.instanceMinutes)} | ${vsOracle} | ${n(s.actions)} |`;
  });
  return [
    '| policy | SLO-violation min | peak lag (msgs) | peak lag (s) | instance-min | vs oracle | actions |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** Whether lagpilot meets its targets on this trace, and which ones it misses. */
export interface TargetCheck {
  readonly met: boolean;
  readonly misses: readonly string[];
}

/**
 * The targets for lagpilot: no more SLO-violation minutes than any peer, instance-minutes within
 * 25 % of the oracle, fewer scaling actions than KEDA.
 */
export function checkTargets(scores: readonly Score[]): TargetCheck | undefined {
  const ours = scores.find((s) => s.policy === 'lagpilot');
  if (!ours) return undefined;
  const misses: string[] = [];
  const peers = scores.filter((s) => s.policy !== 'lagpilot' && s.policy !== 'oracle');
  const better = peers.filter((p) => p.sloViolationMinutes < ours.sloViolationMinutes);
  if (better.length > 0) {
    misses.push(
      `more SLO-violation minutes (${ours.sloViolationMinutes}) than ${better.map((p) => `${p.policy} (${p.sloViolationMinutes})`).join(', ')}`,
    );
  }
  const oracle = scores.find((s) => s.policy === 'oracle');
  if (oracle && ours.instanceMinutes > oracle.instanceMinutes * 1.25) {
    misses.push(
      `instance-minutes ${ours.instanceMinutes} exceed the oracle's ${oracle.instanceMinutes} by more than 25 %`,
    );
  }
  const keda = scores.find((s) => s.policy === 'keda-hpa');
  if (keda && ours.actions >= keda.actions) {
    misses.push(`${ours.actions} scaling actions, not fewer than KEDA's ${keda.actions}`);
  }
  return { met: misses.length === 0, misses };
}
