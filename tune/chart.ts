/**
 * The tune chart: each set run on the older part as a point (x: SLO-violation minutes, y:
 * instance-hours), the frontier joined, the choice ringed; the chosen set, the defaults and the
 * deployed values on the newest third as squares, in a second colour.
 */
import * as svg from '../kit/svg-chart.ts';
import type { Score } from '../sim/score.ts';
import type { TuneResult } from './search.ts';

const FRAME: svg.ChartFrame = {
  width: 900,
  left: 80,
  right: 260,
  top: 56,
  panelHeight: 440,
  gap: 40,
};
const PANEL: svg.Panel = { title: '', index: 0, scale: () => 0, ticks: [] };
const OLDER = '#d62728';
const NEWEST = '#1f77b4';

interface Mark {
  readonly label: string;
  readonly score: Score;
}

export function tuneSvg(history: string, result: TuneResult, subheading: string): string {
  const older: Mark[] = result.candidates.map((e) => ({
    label: e.candidate.setting,
    score: e.score,
  }));
  const h = result.heldOut;
  const newest: Mark[] = h
    ? [
        { label: `chosen: ${result.chosen!.candidate.setting}`, score: h.recommended },
        { label: 'defaults', score: h.defaults },
        ...(h.deployed ? [{ label: 'deployed', score: h.deployed }] : []),
      ]
    : [];
  const all = [...older, ...newest].map((m) => m.score);
  const xMax = svg.niceMax(Math.max(1, ...all.map((s) => s.sloViolationMinutes)));
  const yMax = svg.niceMax(Math.max(1, ...all.map((s) => s.instanceMinutes / 60)));
  const x = (v: number) => svg.xAt(FRAME, v / xMax);
  const y = (v: number) => FRAME.top + FRAME.panelHeight - (v / yMax) * FRAME.panelHeight;
  const at = (s: Score) => [x(s.sloViolationMinutes), y(s.instanceMinutes / 60)] as const;
  const tip = (m: Mark) =>
    `<title>${svg.esc(`${m.label}: ${m.score.sloViolationMinutes} violation min, ${Math.round(m.score.instanceMinutes / 60)} instance-h`)}</title>`;
  const frontier = [...result.frontier].sort(
    (a, b) => a.score.sloViolationMinutes - b.score.sloViolationMinutes,
  );
  const body = [
    ...svg.costSloAxes(FRAME, { xMax, yMax, x, y }, 'instance-hours'),
    svg.line(
      frontier.map((e) => at(e.score)),
      { color: OLDER, width: 1.5, opacity: 0.6 },
    ),
    ...older.map((m) => {
      const [cx, cy] = at(m.score);
      return `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3.5" fill="${OLDER}">${tip(m)}</circle>`;
    }),
    ...newest.map((m) => {
      const [cx, cy] = at(m.score);
      return `<rect x="${(cx - 4).toFixed(1)}" y="${(cy - 4).toFixed(1)}" width="8" height="8" fill="${NEWEST}">${tip(m)}</rect><text x="${(cx + 8).toFixed(1)}" y="${(cy + 4).toFixed(1)}" fill="${NEWEST}">${svg.esc(m.label.startsWith('chosen') ? 'chosen' : m.label)}</text>`;
    }),
    svg.legend(FRAME, PANEL, 0, OLDER, `older 2/3: ${older.length} sets (tuned on)`),
    svg.legend(FRAME, PANEL, 1, NEWEST, 'newest 1/3 (checked on)'),
  ];
  if (result.chosen) {
    const [cx, cy] = at(result.chosen.score);
    body.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="8" fill="none" stroke="${OLDER}" stroke-width="2"/>`,
    );
  }
  return svg.svgDocument(
    FRAME,
    FRAME.top + FRAME.panelHeight + 50,
    {
      title: `lagpilot tune: ${history}`,
      heading: `${history}: lagpilot's parameter sets, cost against SLO`,
      subheading,
    },
    body,
  );
}
