import { compare } from '../sim/compare.ts';
import { runMatrixFor } from '../sim/matrix.ts';
import { matrixScoreboard, matrixSummary } from '../sim/matrix-report.ts';
import { allPolicies } from '../sim/policies/all.ts';
import { describeFleet, section } from '../sim/report.ts';
import { parseSimulateArgs } from '../sim/simulate-args.ts';

/**
 * docs/simulate.md's result sections, generated from the simulator so they cannot drift from the
 * rules: each block between `<!-- generated: NAME -->` and the next `<!-- end generated -->` is
 * what `lagpilot simulate NAME` prints (without its timings and file paths); the prose around the
 * blocks is left as written.
 */

export const SIMULATE_DOC = 'docs/simulate.md';
export const END_GENERATED = '<!-- end generated -->';
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
    section(compare(trace, options.fleet, policies), undefined, '###'),
  );
  return [`Fleet: ${describeFleet(options)}.`, ...sections].join('\n\n');
}

/** `simulate --matrix`: the cells-met summary, lagpilot per CPU ceiling, and the scoreboard. */
export async function matrixResults(): Promise<string> {
  const cells = await runMatrixFor(parseSimulateArgs(['--matrix']));
  return `${matrixSummary(cells)}\n\n${matrixScoreboard(cells)}`;
}
