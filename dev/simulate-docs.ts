import { mkdirSync, writeFileSync } from 'node:fs';
import { compare } from '../sim/compare.ts';
import { fleetLabel } from '../sim/fleet-label.ts';
import { frontierSvg } from '../sim/frontier-chart.ts';
import { frontiers, frontierTable } from '../sim/frontier-report.ts';
import { runMatrixFor } from '../sim/matrix.ts';
import { matrixScoreboard, matrixSummary } from '../sim/matrix-report.ts';
import { allPolicies } from '../sim/policies/all.ts';
import { REAL_TRACE_NAMES } from '../sim/real-traces.ts';
import { describeFleet, section } from '../sim/report.ts';
import { samplingText } from '../sim/sampling.ts';
import { fleetFor, parseSimulateArgs } from '../sim/simulate-args.ts';

/**
 * docs/simulate.md's result sections, generated from the simulator so they cannot drift from the
 * rules: each block between `<!-- generated: NAME -->` and the next `<!-- end generated -->` is
 * what `lagpilot simulate NAME` prints (without its timings and file paths); the prose around the
 * blocks is left as written.
 */

export const SIMULATE_DOC = 'docs/simulate.md';
export const END_GENERATED = '<!-- end generated -->';
/** Where the frontier charts the document shows are written (committed, unlike docs/reports). */
export const FRONTIER_CHARTS = 'docs/frontier';
const start = (name: string) => `<!-- generated: ${name} -->`;

/** `doc` with the block named `name` replaced by `body`; an error if its markers are missing. */
export function withGenerated(doc: string, name: string, body: string): string {
  const from = doc.indexOf(start(name));
  const to = from < 0 ? -1 : doc.indexOf(END_GENERATED, from);
  if (from < 0 || to < 0) {
    throw new Error(
      `${SIMULATE_DOC} lacks the ${start(name)} … ${END_GENERATED} markers: add them around the block to generate`,
    );
  }
  return `${doc.slice(0, from + start(name).length)}\n${body}\n${doc.slice(to)}`;
}

/** `simulate --trace all`: the fleet line and one section per built-in trace. */
export function traceResults(): string {
  const options = parseSimulateArgs(['--trace', 'all']);
  const policies = allPolicies(options.rules, options.peers);
  const sections = options.traces.map((trace) =>
    section(compare(trace, fleetFor(options, trace), policies), undefined, '###'),
  );
  return [`Fleet: ${describeFleet(options)}.`, ...sections].join('\n\n');
}

/**
 * `simulate --frontier` on every real trace: per trace its sampling, the frontier table, the
 * verdict for lagpilot's defaults and the chart (written to `root`/FRONTIER_CHARTS).
 */
export async function frontierResults(root: URL): Promise<string> {
  const options = parseSimulateArgs([
    '--frontier',
    ...REAL_TRACE_NAMES.flatMap((name) => ['--trace', name]),
  ]);
  const dir = new URL(`${FRONTIER_CHARTS}/`, root);
  mkdirSync(dir, { recursive: true });
  const sections = (await frontiers(options)).map(({ comparison: c, frontier, verdict }) => {
    const name = c.trace.name;
    writeFileSync(
      new URL(`${name}.svg`, dir),
      frontierSvg(name, fleetLabel(c.fleet), frontier, verdict),
    );
    return [
      `### ${name}`,
      '',
      `${c.trace.description}. Tick ${c.fleet.tickS} s. ${c.trace.sampling ? samplingText(c.trace.sampling) : ''}`,
      '',
      frontierTable(frontier),
      '',
      `**${verdict}**`,
      '',
      `![${name}: instance-minutes against SLO-violation minutes](${FRONTIER_CHARTS.replace('docs/', '')}/${name}.svg)`,
    ].join('\n');
  });
  return [`Fleet: ${describeFleet(options)}.`, ...sections].join('\n\n');
}

/** `simulate --matrix`: the cells-met summary, lagpilot per CPU ceiling, and the scoreboard. */
export async function matrixResults(): Promise<string> {
  const cells = await runMatrixFor(parseSimulateArgs(['--matrix']));
  return `${matrixSummary(cells)}\n\n${matrixScoreboard(cells)}`;
}
