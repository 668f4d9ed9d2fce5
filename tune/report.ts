/** What `lagpilot tune` prints: the split, the facts, the candidates, the choice and its check. */
import { formatDuration } from '../kit/duration.ts';
import type { Score } from '../sim/score.ts';
import { attained } from '../sim/table.ts';
import type { History } from './history.ts';
import type { Reach } from './reach.ts';
import type { TuneResult } from './search.ts';
import type { Facts } from './setup.ts';
import type { Evaluated } from './space.ts';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const hours = (minutes: number) => n(minutes / 60);

export function factsText(facts: Facts): string {
  const f = (label: string, fact: { value: number; from: string }, unit = '') =>
    `${label} ${n(fact.value)}${unit} (${fact.from})`;
  return [
    `Target: lag SLO ${facts.sloS.value} s (${facts.sloS.from}) in ${facts.attainment.value} % of minutes (${facts.attainment.from}).`,
    `Fleet: ${f('partitions', facts.partitions)}; ${f('capacity', facts.capacity, ' msg/s per task')}; ${f('task start', facts.startDelayS, ' s')}; ${f('tasks', facts.minTasks)} to ${n(facts.maxTasks.value)} (${facts.maxTasks.from}).`,
  ].join('\n');
}

export function historyText(history: History, result: TuneResult): string {
  const t = history.trace;
  const lines = [
    `History: ${history.source}: ${n(t.rates.length)} samples every ${formatDuration(t.intervalS * 1000)}; tuned on the older ${result.split.tuneDays.toFixed(1)} days, checked on the newest ${result.split.heldDays.toFixed(1)} days, which the search never saw.`,
  ];
  for (const r of history.resolutions) {
    lines.push(
      `  ${new Date(r.fromMs).toISOString()} → ${new Date(r.toMs).toISOString()}: one datapoint per ${formatDuration(r.periodS * 1000)}`,
    );
  }
  if (history.gaps.length > 0) {
    const total = history.gaps.reduce((s, g) => s + g.toMs - g.fromMs, 0);
    lines.push(
      `Gaps: ${history.gaps.length} (${formatDuration(total)} in all) with no datapoint, replayed at the last rate before each:`,
      ...history.gaps
        .slice(0, 10)
        .map(
          (g) =>
            `  ${new Date(g.fromMs).toISOString()} → ${new Date(g.toMs).toISOString()} (${formatDuration(g.toMs - g.fromMs)})`,
        ),
      ...(history.gaps.length > 10
        ? [`  … and ${history.gaps.length - 10} more (--json lists them all)`]
        : []),
    );
  }
  return lines.join('\n');
}

const row = (name: string, s: Score, mark = '') =>
  `| ${mark}${name} | ${n(s.sloViolationMinutes)} | ${attained(s.sloAttainment)} | ${hours(s.instanceMinutes)} | ${n(s.actions)} |`;
const HEAD = [
  '| set | SLO-violation min | in SLO | instance-hours | actions |',
  '|---|--:|--:|--:|--:|',
];

/** Every set run on the older part; ★ marks the frontier, ✓ the choice. */
export function candidatesTable(result: TuneResult): string {
  const onFrontier = new Set(result.frontier);
  return [
    ...HEAD,
    ...result.candidates.map((e: Evaluated) =>
      row(
        e.candidate.setting,
        e.score,
        `${e === result.chosen ? '✓ ' : ''}${onFrontier.has(e) ? '★ ' : ''}`,
      ),
    ),
  ].join('\n');
}

function heldOutText(result: TuneResult, target: number): string {
  const h = result.heldOut!;
  const chosen = result.chosen!.candidate.setting;
  const verdict = h.fellBack
    ? `The choice did not hold on the newest third (${h.dominated ? 'the defaults dominate it there' : `it kept ${attained(h.recommended.sloAttainment)}, the defaults ${attained(h.defaults.sloAttainment)}`}): it fitted the past only, so the defaults are recommended.`
    : `On the newest third the choice ${h.keepsTarget ? `keeps the ${target} % target` : `misses the ${target} % target (so do the defaults: more history, or a fleet change, would tell)`} and the defaults do not dominate it.`;
  return [
    'On the newest third (not tuned on): what to expect',
    '',
    ...HEAD,
    row(`chosen: ${chosen}`, h.recommended),
    row('defaults', h.defaults),
    ...(h.deployed ? [row('deployed (--params)', h.deployed)] : []),
    '',
    verdict,
  ].join('\n');
}

export function reachText(reach: Reach, target: number, closest: Evaluated): string {
  const f = reach.feasibility;
  const lines = [
    `No set reached ${target} % on the older part: none is recommended. The closest, ${closest.candidate.setting}, kept ${attained(closest.score.sloAttainment)}.`,
  ];
  if (!f.feasible) {
    lines.push(
      `The peak of ${n(f.peakRate)} msg/s exceeds the ${n(f.ceilingRate)} msg/s the fleet carries at its most tasks: no parameter can keep the SLO through it.`,
    );
  }
  lines.push('What would reach it (the closest set, on the older part):');
  for (const c of reach.changes) {
    lines.push(
      `  ${c.reaches ? '✓' : '✗'} ${c.change}: ${attained(c.sloAttainment)} in SLO, ${hours(c.instanceMinutes)} instance-hours`,
    );
  }
  if (!reach.changes.some((c) => c.reaches)) {
    lines.push('  none of these alone: combine them, or relax --slo-seconds or --attainment.');
  }
  return lines.join('\n');
}

/** The whole text report, without the change (printed after it). */
export function tuneText(history: History, facts: Facts, result: TuneResult): string {
  const target = facts.attainment.value;
  const parts = [
    historyText(history, result),
    factsText(facts),
    '',
    `Candidates on the older part (★ on the frontier: no other set has fewer violation minutes and fewer instance-hours; ✓ the cheapest that kept ${target} %):`,
    '',
    candidatesTable(result),
    '',
  ];
  if (result.reach) {
    const closest = [...result.candidates].sort(
      (a, b) => b.score.sloAttainment - a.score.sloAttainment,
    )[0]!;
    parts.push(reachText(result.reach, target, closest));
  } else parts.push(heldOutText(result, target));
  return parts.join('\n');
}
