/** The outputs of a simulation: the printed tables, an SVG per trace and the Markdown report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chartSvg } from './chart.ts';
import { type Comparison, compare } from './compare.ts';
import { allPolicies } from './policies/all.ts';
import type { SimulateOptions } from './simulate-args.ts';
import { checkTargets, resultsTable } from './table.ts';

function describeFleet(o: SimulateOptions): string {
  const f = o.fleet;
  return `${f.partitions} partitions, ${f.capacity} msg/s per worker, tasks ${f.min}–${f.max}, SLO ${f.sloS} s, start delay ${f.startDelayS} s, rebalance ${f.rebalanceS} s, metric delay ${f.metricDelayS} s, lagpilot step ${o.rules.stepIntervalMs / 1000} s, KEDA lagThreshold ${o.peers.kedaLagThreshold}, CPU target ${o.peers.cpuTarget} %`;
}

function section(c: Comparison, chartPath: string | undefined): string {
  const check = checkTargets(c.scores);
  const lines = [
    `## ${c.trace.name}`,
    '',
    c.trace.description,
    '',
    resultsTable(c.scores),
    '',
    check
      ? check.met
        ? 'lagpilot meets its targets on this trace.'
        : `lagpilot misses: ${check.misses.join('; ')}.`
      : '',
  ];
  if (chartPath) lines.push('', `![${c.trace.name}](${chartPath})`);
  return lines.join('\n');
}

function actionLog(c: Comparison): string {
  const run = c.runs.find((r) => r.policy === 'lagpilot');
  if (!run || run.actions.length === 0) return '';
  const rows = run.actions.map(
    (a) => `- ${(a.atS / 60).toFixed(0)} min: ${a.from}→${a.to} — ${a.reason ?? ''}`,
  );
  return [`### lagpilot's decisions on ${c.trace.name}`, '', ...rows].join('\n');
}

/** Runs the simulation; returns the printed text. Writes charts and the report to outDir. */
export function runSimulate(options: SimulateOptions): { text: string; files: string[] } {
  const policies = allPolicies(options.rules, options.peers);
  mkdirSync(options.outDir, { recursive: true });
  const files: string[] = [];
  const printed: string[] = [`Fleet: ${describeFleet(options)}`, ''];
  const report: string[] = ['# lagpilot simulate', '', `Fleet: ${describeFleet(options)}`, ''];
  for (const trace of options.traces) {
    const comparison = compare(trace, options.fleet, policies);
    const svgName = `${trace.name}.svg`;
    const svgPath = join(options.outDir, svgName);
    writeFileSync(svgPath, chartSvg(trace, comparison.runs, options.fleet.sloS));
    files.push(svgPath);
    printed.push(section(comparison, undefined), `chart: ${relative(process.cwd(), svgPath)}`, '');
    report.push(section(comparison, svgName), '', actionLog(comparison), '');
  }
  const reportPath = join(options.outDir, 'simulate.md');
  writeFileSync(reportPath, `${report.join('\n').trimEnd()}\n`);
  files.push(reportPath);
  printed.push(`report: ${relative(process.cwd(), reportPath)}`);
  return { text: printed.join('\n'), files };
}

/** The CLI entry: prints results, or a clear error and exit code 2 for bad input. */
