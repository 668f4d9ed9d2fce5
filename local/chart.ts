/**
 * The local run's chart: produce and consume rates, lag, and the task count over time, with
 * every scaling action marked by a vertical line across the panels.
 */
import {
  type ChartFrame,
  esc,
  legend,
  line,
  linear,
  niceMax,
  type Panel,
  panelAxes,
  panelsBottom,
  svgDocument,
  type TimeTick,
  xAt,
  yOf,
} from '../kit/svg-chart.ts';
import type { StepRow } from './live-line.ts';

const FRAME: ChartFrame = { width: 1000, left: 70, right: 170, top: 60, panelHeight: 160, gap: 45 };

interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

function timeTicks(lastT: number): TimeTick[] {
  const every = lastT > 600 ? 120 : lastT > 120 ? 30 : 10;
  const ticks: TimeTick[] = [];
  for (let s = 0; s <= lastT; s += every) ticks.push({ at: s / lastT, label: `${s}s` });
  return ticks;
}

function seriesOf(rows: readonly StepRow[]): [string, Series[]][] {
  return [
    [
      'rates (msg/s)',
      [
        { label: 'profile', color: '#999', values: rows.map((r) => r.targetRate), dashed: true },
        { label: 'produce', color: '#222', values: rows.map((r) => r.produceRate) },
        { label: 'consume', color: '#2ca02c', values: rows.map((r) => r.consumeRate) },
      ],
    ],
    [
      'lag (messages)',
      [{ label: 'total lag', color: '#d62728', values: rows.map((r) => r.totalLag) }],
    ],
    [
      'tasks',
      [
        { label: 'desired', color: '#1f77b4', values: rows.map((r) => r.desired) },
        { label: 'running', color: '#ff7f0e', values: rows.map((r) => r.running), dashed: true },
      ],
    ],
  ];
}

function actionMarks(rows: readonly StepRow[], xOf: (i: number) => number, bottom: number) {
  return rows.flatMap((r, i) => {
    if (!r.acted) return [];
    const x = xOf(i).toFixed(1);
    const color = r.action === 'up' ? '#9467bd' : '#8c564b';
    return [
      `<g class="action" data-action="${r.action}" data-from="${r.from}" data-to="${r.to}" data-t="${r.t}">`,
      `<title>${esc(`${r.t}s: ${r.reason}`)}</title>`,
      `<line x1="${x}" x2="${x}" y1="${FRAME.top}" y2="${bottom}" stroke="${color}" stroke-dasharray="3 3"/>`,
      `<text x="${x}" y="${FRAME.top - 26}" text-anchor="middle" fill="${color}">${r.action === 'up' ? '▲' : '▼'}${r.from}→${r.to}</text>`,
      '</g>',
    ];
  });
}

export function localChartSvg(title: string, rows: readonly StepRow[]): string {
  const lastT = Math.max(1, rows.at(-1)?.t ?? 1);
  const xOf = (i: number) => xAt(FRAME, (rows[i]?.t ?? 0) / lastT);
  const time = timeTicks(lastT);
  const panels = seriesOf(rows);
  const body: string[] = [];
  panels.forEach(([panelTitle, series], index) => {
    const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    const max = niceMax(Math.max(1, ...all));
    const panel: Panel = { title: panelTitle, index, scale: linear(max), ticks: [0, max / 2, max] };
    body.push(panelAxes(FRAME, panel, time));
    series.forEach((s, row) => {
      const points = s.values.map((v, i) =>
        v === null ? null : ([xOf(i), yOf(FRAME, panel, v)] as const),
      );
      body.push(line(points, s), legend(FRAME, panel, row, s.color, s.label));
    });
  });
  const bottom = panelsBottom(FRAME, panels.length);
  body.push(...actionMarks(rows, xOf, bottom));
  return svgDocument(FRAME, bottom + 30, { title, heading: title }, body);
}
