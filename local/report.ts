/**
 * The local run's report folder: chart.svg (rates, lag, tasks, actions marked), steps.json
 * (the run's settings, every step row and every worker process), steps.md (the scaling actions
 * and a table of the steps), beside decisions.jsonl (the decision log) and the worker logs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScalingRules } from '../lambda/core/index.ts';
import { localChartSvg } from './chart.ts';
import type { WorkerRecord } from './fleet.ts';
import type { StepRow } from './live-line.ts';

export interface LocalRun {
  title: string;
  startedAt: string;
  settings: Record<string, unknown>;
  rules: ScalingRules;
  steps: StepRow[];
  workers: WorkerRecord[];
  produced: number;
}

const cell = (v: number | null, digits = 0) =>
  v === null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

function markdown(run: LocalRun): string {
  const actions = run.steps.filter((s) => s.acted);
  return [
    `# ${run.title}`,
    '',
    `Started ${run.startedAt}; ${run.steps.length} control steps; ${run.produced.toLocaleString('en-US')} messages produced; ${run.workers.length} worker processes started. Chart: [chart.svg](chart.svg).`,
    '',
    '## Scaling actions',
    '',
    ...(actions.length === 0
      ? ['None.']
      : actions.map((s) => `- ${s.t} s: **${s.action} ${s.from}→${s.to}**: ${s.reason}`)),
    '',
    '## Steps',
    '',
    '| t (s) | produce/s | consume/s | lag | lag s | desired | running | CPU % | decision |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...run.steps.map(
      (s) =>
        `| ${s.t} | ${cell(s.produceRate)} | ${cell(s.consumeRate)} | ${cell(s.totalLag)} | ${cell(s.lagSeconds, 1)} | ${cell(s.desired)} | ${cell(s.running)} | ${cell(s.cpu)} | ${s.acted ? `**${s.action}** ` : ''}${s.reason.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ].join('\n');
}

/** Writes the report files into `dir` (which exists) and returns the chart's path. */
export function writeLocalReport(dir: string, run: LocalRun): string {
  const chart = join(dir, 'chart.svg');
  writeFileSync(chart, localChartSvg(run.title, run.steps));
  writeFileSync(join(dir, 'steps.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(dir, 'steps.md'), markdown(run));
  return chart;
}
