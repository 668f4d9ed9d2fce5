/**
 * One SVG per trace for `--frontier`: instance-minutes (y) against SLO-violation minutes (x),
 * one line per policy through its settings, lagpilot's default ringed and labelled.
 */
import * as svg from '../kit/svg-chart.ts';
import { DEFAULTS, type Frontier } from './frontier.ts';

const FRAME: svg.ChartFrame = {
  width: 900,
  left: 80,
  right: 260,
  top: 56,
  panelHeight: 460,
  gap: 40,
};
const COLORS: Readonly<Record<string, string>> = {
  lagpilot: '#d62728',
  keda: '#1f77b4',
  'cpu-target-tracking': '#ff7f0e',
  'operators-guide': '#2ca02c',
  reference: '#222222',
};
const PANEL: svg.Panel = { title: '', index: 0, scale: () => 0, ticks: [] };

export function frontierSvg(trace: string, fleet: string, frontier: Frontier, verdict: string) {
  const all = Object.values(frontier).flat();
  const xMax = svg.niceMax(Math.max(1, ...all.map((p) => p.sloViolationMinutes)));
  const yMax = svg.niceMax(Math.max(1, ...all.map((p) => p.instanceMinutes)));
  const top = FRAME.top;
  const bottom = top + FRAME.panelHeight;
  const x = (v: number) => svg.xAt(FRAME, v / xMax);
  const y = (v: number) => bottom - (v / yMax) * FRAME.panelHeight;
  const body = svg.costSloAxes(FRAME, { xMax, yMax, x, y }, 'instance-minutes');
  Object.entries(frontier).forEach(([policy, points], row) => {
    const color = COLORS[policy] ?? '#9467bd';
    const sorted = [...points].sort(
      (a, b) =>
        a.sloViolationMinutes - b.sloViolationMinutes || a.instanceMinutes - b.instanceMinutes,
    );
    body.push(
      svg.line(
        sorted.map((p) => [x(p.sloViolationMinutes), y(p.instanceMinutes)] as const),
        { color, width: policy === 'lagpilot' ? 2.5 : 1.5, opacity: 0.85 },
      ),
      ...points.map(
        (p) =>
          `<circle cx="${x(p.sloViolationMinutes).toFixed(1)}" cy="${y(p.instanceMinutes).toFixed(1)}" r="3" fill="${color}"><title>${svg.esc(`${policy}@${p.setting}: ${p.sloViolationMinutes} violation min, ${p.instanceMinutes} instance-min`)}</title></circle>`,
      ),
      svg.legend(FRAME, PANEL, row, color, `${policy} (${points.length} settings)`),
    );
  });
  const ours = frontier.lagpilot?.find((p) => p.setting === DEFAULTS);
  if (ours) {
    const [cx, cy] = [x(ours.sloViolationMinutes).toFixed(1), y(ours.instanceMinutes).toFixed(1)];
    body.push(
      `<circle cx="${cx}" cy="${cy}" r="8" fill="none" stroke="${COLORS.lagpilot}" stroke-width="2"/>`,
      `<text x="${Number(cx) + 11}" y="${Number(cy) - 8}" fill="${COLORS.lagpilot}" font-weight="bold">lagpilot defaults</text>`,
    );
  }
  return svg.svgDocument(
    FRAME,
    bottom + 50,
    {
      title: `lagpilot simulate --frontier: ${trace} on ${fleet}`,
      heading: `${trace}: cost against SLO, every policy along its knob — ${fleet}`,
      subheading: verdict,
    },
    body,
  );
}
