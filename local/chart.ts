/**
 * The local run's chart (SVG, no dependency): produce and consume rates, lag, and the task
 * count over time, with every scaling action marked by a vertical line across the panels.
 */
import { esc, fmt, niceMax } from '../sim/chart.ts';
import type { StepRow } from './live-line.ts';

const WIDTH = 1000;
const PANEL = 160;
const GAP = 45;
const LEFT = 70;
const RIGHT = 170;
const TOP = 60;
const PLOT = WIDTH - LEFT - RIGHT;

interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

interface PanelSpec {
  title: string;
  series: Series[];
}

function path(values: (number | null)[], x: (i: number) => number, y: (v: number) => number) {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

export function localChartSvg(title: string, rows: readonly StepRow[]): string {
  const lastT = Math.max(1, rows.at(-1)?.t ?? 1);
  const xOf = (i: number) => LEFT + ((rows[i]?.t ?? 0) / lastT) * PLOT;
  const panels: PanelSpec[] = [
    {
      title: 'rates (msg/s)',
      series: [
        { label: 'profile', color: '#999', values: rows.map((r) => r.targetRate), dashed: true },
        { label: 'produce', color: '#222', values: rows.map((r) => r.produceRate) },
        { label: 'consume', color: '#2ca02c', values: rows.map((r) => r.consumeRate) },
      ],
    },
    {
      title: 'lag (messages)',
      series: [{ label: 'total lag', color: '#d62728', values: rows.map((r) => r.totalLag) }],
    },
    {
      title: 'tasks',
      series: [
        { label: 'desired', color: '#1f77b4', values: rows.map((r) => r.desired) },
        { label: 'running', color: '#ff7f0e', values: rows.map((r) => r.running), dashed: true },
      ],
    },
  ];
  const body: string[] = [];
  panels.forEach((p, k) => {
    const top = TOP + k * (PANEL + GAP);
    const all = p.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    const max = niceMax(Math.max(1, ...all));
    const y = (v: number) => top + PANEL - (Math.min(v, max) / max) * PANEL;
    body.push(
      `<text x="${LEFT}" y="${top - 8}" font-weight="bold">${esc(p.title)}</text>`,
      `<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${PANEL}" fill="none" stroke="#999"/>`,
    );
    for (const t of [0, max / 2, max]) {
      body.push(
        `<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`,
        `<text x="${LEFT - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
      );
    }
    for (let s = 0; s <= lastT; s += lastT > 600 ? 120 : lastT > 120 ? 30 : 10) {
      const x = LEFT + (s / lastT) * PLOT;
      body.push(
        `<text x="${x.toFixed(1)}" y="${top + PANEL + 14}" text-anchor="middle">${s}s</text>`,
      );
    }
    p.series.forEach((s, j) => {
      body.push(
        `<path d="${path(s.values, xOf, y)}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        `<rect x="${LEFT + PLOT + 12}" y="${top + 8 + j * 18}" width="14" height="4" fill="${s.color}"/>`,
        `<text x="${LEFT + PLOT + 32}" y="${top + 14 + j * 18}">${esc(s.label)}</text>`,
      );
    });
  });
  const bottom = TOP + panels.length * (PANEL + GAP) - GAP;
  rows.forEach((r, i) => {
    if (!r.acted) return;
    const x = xOf(i).toFixed(1);
    const color = r.action === 'up' ? '#9467bd' : '#8c564b';
    body.push(
      `<g class="action" data-action="${r.action}" data-from="${r.from}" data-to="${r.to}" data-t="${r.t}">`,
      `<title>${esc(`${r.t}s: ${r.reason}`)}</title>`,
      `<line x1="${x}" x2="${x}" y1="${TOP}" y2="${bottom}" stroke="${color}" stroke-dasharray="3 3"/>`,
      `<text x="${x}" y="${TOP - 26}" text-anchor="middle" fill="${color}">${r.action === 'up' ? '▲' : '▼'}${r.from}→${r.to}</text>`,
      '</g>',
    );
  });
  const height = bottom + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="16" font-size="14" font-weight="bold">${esc(title)}</text>
${body.join('\n')}
</svg>
`;
}
