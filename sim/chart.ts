/**
 * One SVG per trace, hand-written (no dependency): produce rate, every policy's provisioned task
 * count, and every policy's lag in seconds (the SLO drawn as a dashed line), on a shared time axis.
 */
import type { Comparison } from './compare.ts';

const WIDTH = 1160;
const PANEL = 190;
const GAP = 40;
const LEFT = 70;
const RIGHT = 300;
const TOP = 56;
const COLORS = ['#222222', '#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];
/** Long traces are bucketed to this many points per series (max per bucket: peaks survive). */
const MAX_POINTS = 1500;

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const fmt = (n: number): string =>
  n >= 10_000
    ? `${Math.round(n / 1000)}k`
    : n >= 1000
      ? `${(n / 1000).toFixed(1)}k`
      : `${+n.toFixed(1)}`;

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

interface Panel {
  title: string;
  top: number;
  max: number;
  /** Value → 0..1 of the panel height. */
  scale: (v: number) => number;
  ticks: number[];
}

function axis(p: Panel, minutes: number): string {
  const parts = [
    `<text x="${LEFT}" y="${p.top - 8}" font-weight="bold">${esc(p.title)}</text>`,
    `<rect x="${LEFT}" y="${p.top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`,
  ];
  for (const t of p.ticks) {
    const y = p.top + PANEL - p.scale(t) * PANEL;
    parts.push(
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`,
      `<text x="${LEFT - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  const hours = minutes / 60;
  const every = hours <= 6 ? 0.5 : hours <= 24 ? 2 : hours <= 72 ? 6 : 24;
  for (let h = 0; h <= hours + 1e-9; h += every) {
    const x = LEFT + (h / hours) * (WIDTH - LEFT - RIGHT);
    parts.push(
      `<text x="${x.toFixed(1)}" y="${p.top + PANEL + 14}" text-anchor="middle">${+h.toFixed(1)}h</text>`,
    );
  }
  return parts.join('\n');
}

function line(p: Panel, values: ArrayLike<number>, color: string, width = 1.5): string {
  const points = bucketMax(values);
  const dx = (WIDTH - LEFT - RIGHT) / Math.max(1, points.length);
  const d = points
    .map((v, i) => {
      const y = p.top + PANEL - Math.min(1, p.scale(v)) * PANEL;
      return `${i === 0 ? 'M' : 'L'}${(LEFT + i * dx).toFixed(1)},${y.toFixed(1)}h${dx.toFixed(2)}`;
    })
    .join('');
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}" stroke-opacity="0.85"/>`;
}

export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((k) => k * mag).find((c) => c >= v)!;
}

/** The chart of one comparison; the title names the trace and the fleet. */
export function chartSvg(c: Comparison, fleet: string): string {
  const { trace, runs } = c;
  const sloS = c.fleet.sloS;
  const ceiling = c.feasibility.ceilingRate;
  const minutes = runs[0]?.lag.length ?? 0;
  const rateMax = niceMax(Math.max(ceiling, ...(runs[0]?.produceRate ?? [1])));
  const taskMax = niceMax(Math.max(1, ...runs.map((r) => Math.max(...r.tasks))));
  const lagMax = Math.max(sloS * 10, ...runs.map((r) => Math.max(...r.lagSeconds)));
  const log = (v: number) => Math.log10(1 + Math.max(0, v)) / Math.log10(1 + lagMax);
  const linear = (max: number) => (v: number) => v / max;
  const panels: Panel[] = [
    {
      title: `produce rate (msg/s; dashed: the ${fmt(ceiling)} msg/s the partition cap lets the fleet carry)`,
      top: TOP,
      max: rateMax,
      scale: linear(rateMax),
      ticks: [0, rateMax / 2, rateMax],
    },
    {
      title: 'tasks (pending + running)',
      top: TOP + PANEL + GAP,
      max: taskMax,
      scale: linear(taskMax),
      ticks: [0, taskMax / 4, taskMax / 2, (3 * taskMax) / 4, taskMax],
    },
    {
      title: `lag: age of the oldest unconsumed message (s, log scale; SLO ${sloS} s dashed)`,
      top: TOP + 2 * (PANEL + GAP),
      max: lagMax,
      scale: log,
      ticks: [0, 10, sloS, 1000, 10_000].filter((t) => t <= lagMax).concat(Math.round(lagMax)),
    },
  ];
  const [ratePanel, taskPanel, lagPanel] = panels as [Panel, Panel, Panel];
  const height = TOP + 3 * (PANEL + GAP) + 10;
  const body: string[] = panels.map((p) => axis(p, minutes));
  if (runs[0]) body.push(line(ratePanel, runs[0].produceRate, '#555'));
  const ceilingY = ratePanel.top + PANEL - ratePanel.scale(ceiling) * PANEL;
  body.push(
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${ceilingY.toFixed(1)}" y2="${ceilingY.toFixed(1)}" stroke="#555" stroke-dasharray="2 3"/>`,
  );
  const sloY = lagPanel.top + PANEL - log(sloS) * PANEL;
  body.push(
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${sloY.toFixed(1)}" y2="${sloY.toFixed(1)}" stroke="#d62728" stroke-dasharray="6 4"/>`,
  );
  runs.forEach((run, i) => {
    const color = COLORS[i % COLORS.length]!;
    const width = run.policy === 'lagpilot' ? 2.5 : 1.5;
    body.push(
      line(taskPanel, run.tasks, color, width),
      line(lagPanel, run.lagSeconds, color, width),
    );
    const y = taskPanel.top + 10 + i * 18;
    body.push(
      `<rect x="${WIDTH - RIGHT + 12}" y="${y}" width="14" height="4" fill="${color}"/>`,
      `<text x="${WIDTH - RIGHT + 32}" y="${y + 6}">${esc(run.policy)} (${run.actions.length} actions)</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">
<title>${esc(`lagpilot simulate: ${trace.name} on ${fleet}`)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="16" font-size="14" font-weight="bold">${esc(`${trace.name} — ${fleet}`)}</text>
<text x="${LEFT}" y="30">${esc(trace.description)}</text>
${body.join('\n')}
</svg>
`;
}
