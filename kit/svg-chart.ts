/**
 * Hand-written SVG charts (no dependency) for the local run's report and the simulator: stacked
 * panels sharing a time axis, each with a title, a frame, value gridlines, time labels, lines
 * and a legend to the right.
 */

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 12345 → "12k", 1234 → "1.2k", 12.34 → "12.3": an axis label. */
export const fmt = (n: number): string =>
  n >= 10_000
    ? `${Math.round(n / 1000)}k`
    : n >= 1000
      ? `${(n / 1000).toFixed(1)}k`
      : `${+n.toFixed(1)}`;

/** The round number at or above v that an axis ends at: 1, 2, 2.5, 5 × a power of ten. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((k) => k * mag).find((c) => c >= v)!;
}

/** The page: its width, the margins around the plot, and each panel's height and spacing. */
export interface ChartFrame {
  readonly width: number;
  readonly left: number;
  /** Room for the legend. */
  readonly right: number;
  readonly top: number;
  readonly panelHeight: number;
  readonly gap: number;
}

export interface Panel {
  readonly title: string;
  /** The panel's index from the top. */
  readonly index: number;
  /** Value → 0..1 of the panel's height (clamped to the top). */
  readonly scale: (v: number) => number;
  /** Values that get a gridline and a label. */
  readonly ticks: readonly number[];
}

/** A time-axis label at a fraction (0..1) of the plot's width. */
export interface TimeTick {
  readonly at: number;
  readonly label: string;
}

export const plotWidth = (f: ChartFrame): number => f.width - f.left - f.right;
export const xAt = (f: ChartFrame, fraction: number): number => f.left + fraction * plotWidth(f);
export const panelTop = (f: ChartFrame, p: Pick<Panel, 'index'>): number =>
  f.top + p.index * (f.panelHeight + f.gap);
/** Where the panels end (the bottom of the last of `count`). */
export const panelsBottom = (f: ChartFrame, count: number): number =>
  f.top + count * (f.panelHeight + f.gap) - f.gap;

export function yOf(f: ChartFrame, p: Panel, v: number): number {
  return panelTop(f, p) + f.panelHeight - Math.min(1, p.scale(v)) * f.panelHeight;
}

/** A linear scale from 0 to max. */
export const linear =
  (max: number) =>
  (v: number): number =>
    v / max;

/** The panel's title, frame, gridlines with their values, and the time labels below it. */
export function panelAxes(f: ChartFrame, p: Panel, time: readonly TimeTick[]): string {
  const top = panelTop(f, p);
  const parts = [
    `<text x="${f.left}" y="${top - 8}" font-weight="bold">${esc(p.title)}</text>`,
    `<rect x="${f.left}" y="${top}" width="${plotWidth(f)}" height="${f.panelHeight}" fill="none" stroke="#999"/>`,
  ];
  for (const t of p.ticks) {
    const y = yOf(f, p, t).toFixed(1);
    parts.push(
      `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${f.left - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of time) {
    parts.push(
      `<text x="${xAt(f, t.at).toFixed(1)}" y="${top + f.panelHeight + 14}" text-anchor="middle">${t.label}</text>`,
    );
  }
  return parts.join('\n');
}

export interface LineStyle {
  readonly color: string;
  /** @default 2 */
  readonly width?: number;
  /** @default false */
  readonly dashed?: boolean;
  /** @default 1 */
  readonly opacity?: number;
}

/** A line through points (x, y in page units); null lifts the pen (a gap in the data). */
export function line(points: readonly (readonly [number, number] | null)[], s: LineStyle): string {
  let d = '';
  let last: string | undefined; // the pen's y, while it is down
  for (const p of points) {
    if (p === null) {
      last = undefined;
      continue;
    }
    const [x, y] = [p[0].toFixed(1), p[1].toFixed(1)];
    // Level runs (a step chart's treads) as H: shorter text for long traces.
    d += last === undefined ? `M${x},${y}` : last === y ? `H${x}` : `L${x},${y}`;
    last = y;
  }
  const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
  const opacity = s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`;
  return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${dash}${opacity}/>`;
}

/** A dashed horizontal line across a panel at value v (a threshold, an SLO). */
export function threshold(f: ChartFrame, p: Panel, v: number, color: string, dash: string) {
  const y = yOf(f, p, v).toFixed(1);
  return `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}" stroke="${color}" stroke-dasharray="${dash}"/>`;
}

/** The `row`-th legend entry to the right of a panel. */
export function legend(f: ChartFrame, p: Panel, row: number, color: string, label: string) {
  const x = f.width - f.right + 12;
  const y = panelTop(f, p) + 8 + row * 18;
  return [
    `<rect x="${x}" y="${y}" width="14" height="4" fill="${color}"/>`,
    `<text x="${x + 20}" y="${y + 6}">${esc(label)}</text>`,
  ].join('\n');
}

export interface ChartText {
  /** The document's title (what a viewer shows in its tab). */
  readonly title: string;
  /** The bold line at the top. */
  readonly heading: string;
  /** A line under the heading. */
  readonly subheading?: string;
}

export function svgDocument(f: ChartFrame, height: number, text: ChartText, body: string[]) {
  const sub =
    text.subheading === undefined
      ? ''
      : `<text x="${f.left}" y="30">${esc(text.subheading)}</text>\n`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${height}" viewBox="0 0 ${f.width} ${height}" font-family="sans-serif" font-size="11">
<title>${esc(text.title)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${f.left}" y="16" font-size="14" font-weight="bold">${esc(text.heading)}</text>
${sub}${body.join('\n')}
</svg>
`;
}

/**
 * The frame, grid and labels of a cost/SLO scatter: SLO-violation minutes on x (0–xMax), the
 * cost on y (0–yMax, labelled `yLabel`), five grid lines each way.
 */
export function costSloAxes(
  f: ChartFrame,
  scale: { xMax: number; yMax: number; x: (v: number) => number; y: (v: number) => number },
  yLabel: string,
): string[] {
  const { xMax, yMax, x, y } = scale;
  const [top, bottom] = [f.top, f.top + f.panelHeight];
  const body = [
    `<rect x="${f.left}" y="${top}" width="${plotWidth(f)}" height="${f.panelHeight}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const [vx, vy] = [(xMax * i) / 4, (yMax * i) / 4];
    body.push(
      `<line x1="${x(vx).toFixed(1)}" x2="${x(vx).toFixed(1)}" y1="${top}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${x(vx).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${fmt(vx)}</text>`,
      `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y(vy).toFixed(1)}" y2="${y(vy).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${f.left - 6}" y="${(y(vy) + 4).toFixed(1)}" text-anchor="end">${fmt(vy)}</text>`,
    );
  }
  body.push(
    `<text x="${xAt(f, 0.5)}" y="${bottom + 32}" text-anchor="middle">SLO-violation minutes</text>`,
    `<text x="20" y="${(top + bottom) / 2}" transform="rotate(-90 20 ${(top + bottom) / 2})" text-anchor="middle">${yLabel}</text>`,
  );
  return body;
}
