/** The matrix scoreboard: one row per trace × fleet, one cell per policy, lagpilot's verdict. */
import { MATRIX_AXES, type MatrixCell } from './matrix.ts';
import { attained, TARGETS } from './table.ts';

const pct = (value: number, base: number): string =>
  base > 0 ? `${value >= base ? '+' : ''}${Math.round((value / base - 1) * 100)}` : '—';

/** Short column names for the policies, in table order. */
function short(policy: string): string {
  if (policy.startsWith('keda-default')) return 'KEDA 10';
  if (policy.startsWith('keda-tuned')) return 'KEDA tuned';
  return policy.replace('cpu-target-tracking', 'CPU tracking').replace('operators-guide', 'guide');
}

function fleetColumn(c: MatrixCell): string {
  const f = c.fleetParams;
  return `${f.capacity}/s · CPU ${f.cpuAtCapacity} % · rb ${f.rebalanceS} s · start ${f.startDelayS} s`;
}

export function matrixScoreboard(cells: readonly MatrixCell[]): string {
  const first = cells[0];
  if (!first) return '';
  const names = first.policies.map((p) => p.policy);
  const header = [
    `| trace | fleet | ${names.map(short).join(' | ')} | bound | lagpilot in SLO | lagpilot meets target |`,
    `|---|---|${names.map(() => '--:|').join('')}--:|--:|---|`,
  ];
  const rows = cells.map((c) => {
    const reference = c.policies.find((p) => p.policy === 'reference')?.instanceMinutes ?? 0;
    const policies = c.policies.map(
      (p) =>
        `${p.sloViolationMinutes} · ${pct(p.instanceMinutes, reference)}/${pct(p.instanceMinutes, c.bound.instanceMinutes)} · ${p.actions}`,
    );
    const verdict = !c.feasible
      ? `infeasible (peak ${c.peakRate} > ${c.ceilingRate} msg/s)`
      : c.verdict?.met
        ? 'yes'
        : `no: ${(c.verdict?.misses ?? []).map(missKind).join(', ')}`;
    const ours = c.policies.find((p) => p.policy === 'lagpilot');
    return `| ${c.trace} | ${fleetColumn(c)} | ${policies.join(' | ')} | ${c.bound.unavoidableViolationMinutes > 0 ? `≥ ${c.bound.unavoidableViolationMinutes} viol., ` : ''}${c.bound.instanceMinutes} (${pct(c.bound.instanceMinutes, reference)}) | ${ours ? attained(ours.sloAttainment) : '—'} | ${verdict} |`;
  });
  const feasible = cells.filter((c) => c.feasible);
  const met = feasible.filter((c) => c.verdict?.met).length;
  const kinds = new Map<string, number>();
  for (const c of feasible)
    for (const m of c.verdict?.misses ?? [])
      kinds.set(missKind(m), (kinds.get(missKind(m)) ?? 0) + 1);
  const thresholds = [
    ...new Set(cells.map((c) => c.policies.find((p) => p.policy.startsWith('keda-tuned'))?.policy)),
  ].join(', ');
  return [
    `Each policy cell: SLO-violation minutes · instance-minutes vs the reference/vs the bound (%) · actions. KEDA tuned: ${thresholds}. Target: SLO-violation minutes ≤ every peer's, instance-minutes ≤ ${TARGETS.costVsReference} × reference, actions ≤ ${TARGETS.actionsVsKeda} × KEDA tuned.`,
    '',
    ...header,
    ...rows,
    '',
    `lagpilot meets its target in ${met} of ${feasible.length} feasible cells (${cells.length - feasible.length} infeasible); misses: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}. The bound held in ${cells.filter((c) => c.boundHolds).length} of ${cells.length} cells.`,
  ].join('\n');
}

/** The kind of a miss, for the scoreboard: SLO, cost or actions. */
function missKind(miss: string): string {
  if (miss.startsWith('more SLO')) return 'SLO';
  if (miss.startsWith('instance-minutes')) return 'cost';
  return 'actions';
}

const AXIS_LABELS: Record<keyof typeof MATRIX_AXES, (v: number) => string> = {
  capacity: (v) => `capacity ${v}/s`,
  cpuAtCapacity: (v) => `CPU at capacity ${v} %`,
  rebalanceS: (v) => `rebalance ${v} s`,
  startDelayS: (v) => `start ${v} s`,
};

const metIn = (cells: readonly MatrixCell[]) =>
  `${cells.filter((c) => c.feasible && c.verdict?.met).length}/${cells.length}`;

/**
 * Where lagpilot meets its target: one line of cells met per trace and per value of each axis,
 * then per trace and CPU ceiling its SLO-violation minutes, actions and cells met.
 */
export function matrixSummary(cells: readonly MatrixCell[]): string {
  const traces = [...new Set(cells.map((c) => c.trace))];
  const byTrace = traces.map((t) => `${t} ${metIn(cells.filter((c) => c.trace === t))}`);
  const axes = Object.entries(MATRIX_AXES) as [keyof typeof MATRIX_AXES, readonly number[]][];
  const byAxis = axes.map(([axis, values]) =>
    values
      .map(
        (v) => `${AXIS_LABELS[axis](v)} ${metIn(cells.filter((c) => c.fleetParams[axis] === v))}`,
      )
      .join(' · '),
  );
  const ceilings = MATRIX_AXES.cpuAtCapacity;
  const sum = (group: readonly MatrixCell[], key: 'sloViolationMinutes' | 'actions') =>
    group
      .reduce((a, c) => a + (c.policies.find((p) => p.policy === 'lagpilot')?.[key] ?? 0), 0)
      .toLocaleString('en-US');
  const rows = traces.map((t) => {
    const parts = ceilings.map((cpu) => {
      const group = cells.filter((c) => c.trace === t && c.fleetParams.cpuAtCapacity === cpu);
      return `${sum(group, 'sloViolationMinutes')} / ${sum(group, 'actions')} / ${metIn(group)}`;
    });
    return `| ${t} | ${parts.join(' | ')} |`;
  });
  return [
    `Cells met — by trace: ${byTrace.join(', ')}; by axis: ${byAxis.join('; ')}.`,
    '',
    `lagpilot per trace, summed over the fleets of each CPU ceiling (SLO-violation min / actions / cells met):`,
    '',
    `| trace | ${ceilings.map((c) => `CPU at capacity ${c} %`).join(' | ')} |`,
    `|---|${ceilings.map(() => '---|').join('')}`,
    ...rows,
  ].join('\n');
}
