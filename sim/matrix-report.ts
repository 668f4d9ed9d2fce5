/** The matrix scoreboard: one row per trace × fleet, one cell per policy, lagpilot's verdict. */
import { MATRIX_AXES, type MatrixCell } from './matrix.ts';
import { MATRIX_COST_VS_REFERENCE } from './matrix-verdict.ts';
import { attained } from './table.ts';

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
      : c.matrixVerdict?.met
        ? 'yes'
        : `no: ${misses(c).join('; ')}`;
    const ours = c.policies.find((p) => p.policy === 'lagpilot');
    return `| ${c.trace} | ${fleetColumn(c)} | ${policies.join(' | ')} | ${c.bound.unavoidableViolationMinutes > 0 ? `≥ ${c.bound.unavoidableViolationMinutes} viol., ` : ''}${c.bound.instanceMinutes} (${pct(c.bound.instanceMinutes, reference)}) | ${ours ? attained(ours.sloAttainment) : '—'} | ${verdict} |`;
  });
  const feasible = cells.filter((c) => c.feasible);
  const met = feasible.filter((c) => c.matrixVerdict?.met).length;
  const by = new Map<string, number>();
  let dominated = 0;
  let costly = 0;
  for (const c of feasible) {
    const v = c.matrixVerdict;
    if (!v) continue;
    if (v.dominatedBy.length > 0) dominated++;
    if (v.costVsReference > MATRIX_COST_VS_REFERENCE) costly++;
    for (const p of v.dominatedBy) by.set(short(p), (by.get(short(p)) ?? 0) + 1);
  }
  const thresholds = [
    ...new Set(cells.map((c) => c.policies.find((p) => p.policy.startsWith('keda-tuned'))?.policy)),
  ].join(', ');
  return [
    `Each policy cell: SLO-violation minutes · instance-minutes vs the reference/vs the bound (%) · actions. KEDA tuned: ${thresholds}. Target: lagpilot's default is not dominated by any peer in the cell (no more SLO-violation minutes and no more instance-minutes, one strictly fewer) and costs ≤ ${MATRIX_COST_VS_REFERENCE} × the reference.`,
    '',
    ...header,
    ...rows,
    '',
    `lagpilot meets its target in ${met} of ${feasible.length} feasible cells (${cells.length - feasible.length} infeasible). Dominated in ${dominated} (by ${[...by].map(([k, n]) => `${k} in ${n}`).join(', ') || 'no peer'}); over ${MATRIX_COST_VS_REFERENCE} × the reference in ${costly}. The bound held in ${cells.filter((c) => c.boundHolds).length} of ${cells.length} cells.`,
  ].join('\n');
}

/** Why a cell misses: the peers that dominate lagpilot there, and a cost over the limit. */
function misses(c: MatrixCell): string[] {
  const v = c.matrixVerdict;
  if (!v) return ['no lagpilot row'];
  const out: string[] = [];
  if (v.dominatedBy.length > 0) out.push(`dominated by ${v.dominatedBy.map(short).join(', ')}`);
  if (v.costVsReference > MATRIX_COST_VS_REFERENCE)
    out.push(`cost ${v.costVsReference.toFixed(2)} × reference`);
  return out;
}

const AXIS_LABELS: Record<keyof typeof MATRIX_AXES, (v: number) => string> = {
  capacity: (v) => `capacity ${v}/s`,
  cpuAtCapacity: (v) => `CPU at capacity ${v} %`,
  rebalanceS: (v) => `rebalance ${v} s`,
  startDelayS: (v) => `start ${v} s`,
};

const metIn = (cells: readonly MatrixCell[]) =>
  `${cells.filter((c) => c.feasible && c.matrixVerdict?.met).length}/${cells.length}`;

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
