/**
 * One SVG per trace: produce rate, every policy's provisioned task count, and every policy's lag
 * in seconds (the SLO drawn as a dashed line), on a shared time axis.
 */
import * as svg from '../kit/svg-chart.ts';
import type { Comparison } from './compare.ts';
import { maxOf } from './trace.ts';

const FRAME: svg.ChartFrame = {
  width: 1160,
  left: 70,
  right: 300,
  top: 56,
  panelHeight: 190,
  gap: 40,
};
const COLORS = ['#222222', '#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];
/** Long traces are bucketed to this many points per series (max per bucket: peaks survive). */
const MAX_POINTS = 1500;

function bucketMax(values: ArrayLike<number>): number[] {
  const size = Math.max(1, Math.ceil(values.length / MAX_POINTS));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = i; j < Math.min(values.length, i + size); j++) m = Math.max(m, values[j]!);
    out.push(m);
  }
  return out;
}

/** A per-minute series as steps: each bucket's maximum held across its width. */
function steps(p: svg.Panel, values: ArrayLike<number>, color: string, width: number): string {
  const buckets = bucketMax(values);
  const points = buckets.flatMap((v, i) => {
    const y = svg.yOf(FRAME, p, v);
    return [
      [svg.xAt(FRAME, i / buckets.length), y],
      [svg.xAt(FRAME, (i + 1) / buckets.length), y],
    ] as const;
  });
  return svg.line(points, { color, width, opacity: 0.85 });
}

function hourTicks(minutes: number): svg.TimeTick[] {
  const hours = minutes / 60;
  const every = hours <= 6 ? 0.5 : hours <= 24 ? 2 : hours <= 72 ? 6 : 24;
  const ticks: svg.TimeTick[] = [];
  for (let h = 0; h <= hours + 1e-9; h += every)
    ticks.push({ at: h / hours, label: `${+h.toFixed(1)}h` });
  return ticks;
}

function panelsOf(c: Comparison): [svg.Panel, svg.Panel, svg.Panel] {
  const { runs } = c;
  const sloS = c.fleet.sloS;
  const ceiling = c.feasibility.ceilingRate;
  const rateMax = svg.niceMax(maxOf(runs[0]?.produceRate ?? [1], ceiling));
  const taskMax = svg.niceMax(runs.reduce((m, r) => maxOf(r.tasks, m), 1));
  const lagMax = runs.reduce((m, r) => maxOf(r.lagSeconds, m), sloS * 10);
  return [
    {
      title: `produce rate (msg/s; dashed: the ${svg.fmt(ceiling)} msg/s the partition cap lets the fleet carry)`,
      index: 0,
      scale: svg.linear(rateMax),
      ticks: [0, rateMax / 2, rateMax],
    },
    {
      title: 'tasks (pending + running)',
      index: 1,
      scale: svg.linear(taskMax),
      ticks: [0, taskMax / 4, taskMax / 2, (3 * taskMax) / 4, taskMax],
    },
    {
      title: `lag: age of the oldest unconsumed message (s, log scale; SLO ${sloS} s dashed)`,
      index: 2,
      scale: (v) => Math.log10(1 + Math.max(0, v)) / Math.log10(1 + lagMax),
      ticks: [0, 10, sloS, 1000, 10_000].filter((t) => t <= lagMax).concat(Math.round(lagMax)),
    },
  ];
}

/** The chart of one comparison; the title names the trace and the fleet. */
export function chartSvg(c: Comparison, fleet: string): string {
  const { trace, runs } = c;
  const panels = panelsOf(c);
  const [ratePanel, taskPanel, lagPanel] = panels;
  const time = hourTicks(runs[0]?.lag.length ?? 0);
  const body: string[] = panels.map((p) => svg.panelAxes(FRAME, p, time));
  if (runs[0]) body.push(steps(ratePanel, runs[0].produceRate, '#555', 1.5));
  body.push(
    svg.threshold(FRAME, ratePanel, c.feasibility.ceilingRate, '#555', '2 3'),
    svg.threshold(FRAME, lagPanel, c.fleet.sloS, '#d62728', '6 4'),
  );
  runs.forEach((run, i) => {
    const color = COLORS[i % COLORS.length]!;
    const width = run.policy === 'lagpilot' ? 2.5 : 1.5;
    body.push(
      steps(taskPanel, run.tasks, color, width),
      steps(lagPanel, run.lagSeconds, color, width),
      svg.legend(FRAME, taskPanel, i, color, `${run.policy} (${run.actions.length} actions)`),
    );
  });
  return svg.svgDocument(
    FRAME,
    svg.panelsBottom(FRAME, panels.length) + FRAME.gap + 10,
    {
      title: `lagpilot simulate: ${trace.name} on ${fleet}`,
      heading: `${trace.name} — ${fleet}`,
      subheading: trace.description,
    },
    body,
  );
}
