/**
 * `simulate --frontier`: every trace's points run on this thread and a worker thread; per trace
 * the plain results (the plain run's settings are points of the sweep), the frontier table, the
 * dominance verdict for lagpilot's defaults and an SVG of the frontier.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseScalingRules } from '../lambda/core/index.ts';
import { lowerBound } from './bound.ts';
import type { Comparison } from './compare.ts';
import { feasibility } from './feasibility.ts';
import { fleetLabel } from './fleet-label.ts';
import {
  dominanceVerdict,
  dominatedBy,
  type Frontier,
  frontierOf,
  frontierPoints,
  type PointJob,
  runPoint,
} from './frontier.ts';
import { frontierSvg } from './frontier-chart.ts';
import { runPool } from './pool.ts';
import { describeFleet, section, uniqueNames } from './report.ts';
import { type ComparisonJson, comparisonJson } from './results-json.ts';
import type { Score } from './score.ts';
import { fleetFor, type SimulateOptions } from './simulate-args.ts';
import { attained } from './table.ts';
import { traceDurationS } from './trace.ts';

export interface FrontierJson extends ComparisonJson {
  readonly frontier: Frontier;
  readonly dominatedBy: readonly string[];
}

/** A lagpilot step costs about as much as six ticks of a peer: long jobs go first. */
const WEIGHT: Readonly<Record<string, number>> = { lagpilot: 6, reference: 1.5 };

export function frontierTable(frontier: Frontier): string {
  const rows = Object.entries(frontier).flatMap(([policy, points]) =>
    points.map(
      (p) =>
        `| ${policy} | ${p.setting} | ${p.sloViolationMinutes.toLocaleString('en-US')} | ${attained(p.sloAttainment)} | ${p.instanceMinutes.toLocaleString('en-US')} | ${p.actions.toLocaleString('en-US')} |`,
    ),
  );
  return [
    '| policy | setting | SLO-violation min | in SLO (of minutes) | instance-min | actions |',
    '|---|---|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** The plain run's rows, in its order, picked from the points (they are among them). */
function plainScores(jobs: readonly PointJob[], scores: readonly Score[], cpuTarget: number) {
  const at = (test: (j: PointJob) => boolean) => scores[jobs.findIndex(test)]!;
  return [
    at((j) => j.point.policy === 'lagpilot' && j.point.setting === 'defaults'),
    at((j) => j.point.policy === 'keda' && j.point.lagThreshold === 10 && !j.point.tuned),
    at((j) => j.point.policy === 'keda' && j.point.tuned),
    at((j) => j.point.policy === 'cpu-target-tracking' && j.point.cpuTarget === cpuTarget),
    at((j) => j.point.policy === 'operators-guide' && j.point.lagScale === 1),
    at((j) => j.point.policy === 'reference'),
  ].filter((s) => s !== undefined);
}

/** One trace's frontier: the plain comparison (without runs), its points and the verdict. */
export interface TraceFrontier {
  readonly comparison: Comparison;
  readonly frontier: Frontier;
  readonly dominatedBy: readonly string[];
  readonly verdict: string;
}

/** What makes two jobs of trace `t` the same run: the fleet and the policy's effective settings. */
function runKey(job: PointJob, t: number): string {
  const { point } = job;
  const settings =
    point.policy === 'lagpilot'
      ? parseScalingRules({ ...job.env, ...point.params })
      : { ...point, setting: undefined };
  return JSON.stringify([t, job.fleet, point.policy, settings]);
}

/** Runs every point of every trace on the pool's two threads, each distinct run once. */
export async function frontiers(options: SimulateOptions): Promise<TraceFrontier[]> {
  const perTrace = options.traces.map((trace) => {
    const fleet = fleetFor(options, trace);
    const points = frontierPoints(fleet, options.peers.kedaLagThreshold, options.peers.cpuTarget);
    return points.map(
      (point): PointJob => ({
        trace,
        fleet,
        env: options.env,
        statistic: options.peers.statistic,
        point,
      }),
    );
  });
  // A sweep point whose rules equal the defaults' (LAGPILOT_SLO_ATTAINMENT=99.9) is the same run.
  const unique: PointJob[] = [];
  const slots = new Map<string, number>();
  const slotOf = perTrace.flatMap((points, t) =>
    points.map((job) => {
      const key = runKey(job, t);
      const slot = slots.get(key) ?? unique.push(job) - 1;
      slots.set(key, slot);
      return slot;
    }),
  );
  const ran = await runPool(
    unique.map((job) => ({ kind: 'point' as const, job })),
    (task) => runPoint(task.job),
    ({ job }) => (traceDurationS(job.trace) / job.fleet.tickS) * (WEIGHT[job.point.policy] ?? 1),
  );
  const scores = slotOf.map((slot) => ran[slot]!);
  let offset = 0;
  return perTrace.map((jobs) => {
    const mine = scores.slice(offset, offset + jobs.length);
    offset += jobs.length;
    const { trace, fleet } = jobs[0]!;
    const frontier = frontierOf(
      jobs.map((j) => j.point),
      mine,
    );
    const dominators = dominatedBy(frontier);
    return {
      comparison: {
        trace,
        fleet,
        runs: [],
        scores: plainScores(jobs, mine, options.peers.cpuTarget),
        bound: lowerBound(trace, fleet),
        feasibility: feasibility(trace, fleet),
      },
      frontier,
      dominatedBy: dominators,
      verdict: dominanceVerdict(dominators),
    };
  });
}

/** `--frontier`: prints (or --json) every trace's frontier; writes an SVG per trace to outDir. */
export async function runFrontier(
  options: SimulateOptions,
): Promise<{ text: string; files: string[] }> {
  const results = await frontiers(options);
  mkdirSync(options.outDir, { recursive: true });
  const names = uniqueNames(options.traces.map((t) => t.name));
  const files: string[] = [];
  const printed: string[] = [`Fleet: ${describeFleet(options)}`, ''];
  const json: FrontierJson[] = [];
  results.forEach((r, i) => {
    const c = r.comparison;
    const svgPath = join(options.outDir, `${names[i]}-frontier.svg`);
    writeFileSync(svgPath, frontierSvg(c.trace.name, fleetLabel(c.fleet), r.frontier, r.verdict));
    files.push(svgPath);
    json.push({ ...comparisonJson(c), frontier: r.frontier, dominatedBy: r.dominatedBy });
    printed.push(
      section(c, undefined),
      '',
      frontierTable(r.frontier),
      '',
      r.verdict,
      `chart: ${relative(process.cwd(), svgPath)}`,
      '',
    );
  });
  const text = options.json
    ? JSON.stringify({ fleet: describeFleet(options), traces: json }, null, 2)
    : printed.join('\n');
  return { text, files };
}
