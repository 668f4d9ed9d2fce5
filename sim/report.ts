/** The outputs of a simulation: the printed tables, an SVG per trace and the Markdown report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chartSvg } from './chart.ts';
import { type Comparison, compare } from './compare.ts';
import { feasibilityWarning } from './feasibility.ts';
import { fleetLabel } from './fleet-label.ts';
import { allPolicies } from './policies/all.ts';
import { type ComparisonJson, comparisonJson } from './results-json.ts';
import { samplingText } from './sampling.ts';
import { fleetFor, type SimulateOptions } from './simulate-args.ts';
import { checkTargets, resultsTable, verdict } from './table.ts';

export function describeFleet(o: SimulateOptions): string {
  const f = o.fleet;
  return `${fleetLabel(f)}, tasks ${f.min}–${f.max}, SLO ${f.sloS} s, metric delay ${f.metricDelayS} s, tick ${f.tickS} s${!o.tickGiven && o.traces.some((t) => t.tickS !== undefined) ? ' (real traces: their own, below)' : ''}, seed ${f.seed}; lagpilot step ${o.rules.stepIntervalMs / 1000} s; KEDA lagThreshold 10 (default) and ${o.peers.kedaLagThreshold} (tuned); CPU target ${o.peers.cpuTarget} %`;
}

/** One trace's results: heading (`##` in the report, deeper where a document nests it), table, verdict. */
export function section(c: Comparison, chartPath: string | undefined, heading = '##'): string {
  const warning = feasibilityWarning(c.feasibility);
  const lines = [
    `${heading} ${c.trace.name}`,
    '',
    c.trace.description,
    '',
    ...(c.trace.source ? [`Source: ${c.trace.source}.`, ''] : []),
    ...(c.trace.sampling ? [`Tick ${c.fleet.tickS} s. ${samplingText(c.trace.sampling)}`, ''] : []),
    ...(warning ? [`**Warning:** ${warning}.`, ''] : []),
    resultsTable(c.scores, c.bound),
    '',
    verdict(checkTargets(c.scores), c.feasibility),
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

/** A file name per trace that no other trace of the run takes (same names get -2, -3, …). */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_');
    const count = (seen.get(safe) ?? 0) + 1;
    seen.set(safe, count);
    return count === 1 ? safe : `${safe}-${count}`;
  });
}

/** Runs the simulation; returns the printed text. Writes charts and the report to outDir. */
export function runSimulate(options: SimulateOptions): { text: string; files: string[] } {
  const policies = allPolicies(options.rules, options.peers);
  mkdirSync(options.outDir, { recursive: true });
  const files: string[] = [];
  const printed: string[] = [`Fleet: ${describeFleet(options)}`, ''];
  const report: string[] = ['# lagpilot simulate', '', `Fleet: ${describeFleet(options)}`, ''];
  const names = uniqueNames(options.traces.map((t) => t.name));
  const json: ComparisonJson[] = [];
  options.traces.forEach((trace, i) => {
    const fleet = fleetFor(options, trace);
    const comparison = compare(trace, fleet, policies);
    json.push(comparisonJson(comparison));
    const svgName = `${names[i]}.svg`;
    const svgPath = join(options.outDir, svgName);
    writeFileSync(svgPath, chartSvg(comparison, fleetLabel(fleet)));
    files.push(svgPath);
    printed.push(section(comparison, undefined), `chart: ${relative(process.cwd(), svgPath)}`, '');
    report.push(section(comparison, svgName), '', actionLog(comparison), '');
  });
  const reportPath = join(options.outDir, 'simulate.md');
  writeFileSync(reportPath, `${report.join('\n').trimEnd()}\n`);
  files.push(reportPath);
  printed.push(`report: ${relative(process.cwd(), reportPath)}`);
  const text = options.json
    ? JSON.stringify({ fleet: describeFleet(options), traces: json }, null, 2)
    : printed.join('\n');
  return { text, files };
}
