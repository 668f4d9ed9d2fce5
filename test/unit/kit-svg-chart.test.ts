import { describe, expect, it } from 'vitest';
import {
  type ChartFrame,
  esc,
  fmt,
  line,
  linear,
  niceMax,
  type Panel,
  panelAxes,
  svgDocument,
  yOf,
} from '../../kit/svg-chart.ts';
import { localChartSvg } from '../../local/chart.ts';
import type { StepRow } from '../../local/live-line.ts';

const FRAME: ChartFrame = { width: 400, left: 50, right: 100, top: 40, panelHeight: 100, gap: 20 };

describe('svg chart primitives', () => {
  it('draws a line with a gap where data is missing, and level runs as H', () => {
    expect(line([[0, 10], [5, 10], null, [8, 2], [9, 3]], { color: '#123' })).toBe(
      '<path d="M0.0,10.0H5.0M8.0,2.0L9.0,3.0" fill="none" stroke="#123" stroke-width="2"/>',
    );
    expect(line([[0, 0]], { color: 'red', width: 1.5, dashed: true, opacity: 0.85 })).toContain(
      'stroke-width="1.5" stroke-dasharray="5 3" stroke-opacity="0.85"',
    );
  });

  it('places values in their panel, clamped to its top', () => {
    const second: Panel = { title: 't', index: 1, scale: linear(50), ticks: [] };
    // Panel 1 starts at 40 + 120 = 160 and is 100 high.
    expect(yOf(FRAME, second, 0)).toBe(260);
    expect(yOf(FRAME, second, 25)).toBe(210);
    expect(yOf(FRAME, second, 500)).toBe(160);
  });

  it('labels gridlines and time, escaping text', () => {
    const panel: Panel = {
      title: 'lag <msgs> & s',
      index: 0,
      scale: linear(20_000),
      ticks: [0, 20_000],
    };
    const svg = panelAxes(FRAME, panel, [{ at: 0.5, label: '30s' }]);
    expect(svg).toContain('lag &lt;msgs&gt; &amp; s');
    expect(svg).toContain('text-anchor="end">20k</text>');
    expect(svg).toContain('<text x="175.0" y="154" text-anchor="middle">30s</text>');
    expect(svgDocument(FRAME, 300, { title: 'a', heading: 'b', subheading: 'c' }, [svg])).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="400" height="300"[\s\S]*<title>a<\/title>[\s\S]*>b<\/text>\n<text x="50" y="30">c<\/text>/,
    );
  });

  it('rounds axes and labels as people read them', () => {
    expect([0, 7, 12, 2100, 4000, 9000].map(niceMax)).toEqual([1, 10, 20, 2500, 5000, 10_000]);
    expect([12.34, 1234, 12_345].map(fmt)).toEqual(['12.3', '1.2k', '12k']);
    expect(esc('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('the local report chart', () => {
  it('marks each scaling action across the panels, with its reason as a tooltip', () => {
    const row = (t: number, desired: number, acted: boolean): StepRow => ({
      t,
      at: '',
      targetRate: 100,
      produceRate: 100,
      consumeRate: 90,
      totalLag: 50,
      lagSeconds: 0.5,
      desired,
      running: desired,
      cpu: 1,
      memory: 1,
      action: acted ? 'up' : 'hold',
      acted,
      from: 1,
      to: desired,
      reason: 'lag > 10 for 5/5 s',
      cause: acted
        ? { rule: 'up', signals: [], step: { kind: 'sized' } }
        : { rule: 'hold', hold: { kind: 'no-signal', blockers: [] } },
      errors: [],
    });
    const svg = localChartSvg('run', [row(0, 1, false), row(5, 2, true), row(10, 2, false)]);
    expect(svg.match(/<g class="action"/g)).toHaveLength(1);
    expect(svg).toContain('data-action="up" data-from="1" data-to="2" data-t="5"');
    expect(svg).toContain('<title>5s: lag &gt; 10 for 5/5 s</title>');
    expect(svg.match(/<path /g)).toHaveLength(6); // profile, produce, consume, lag, desired, running
  });
});
