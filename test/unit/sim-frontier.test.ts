import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTOSCALER_PARAMETERS } from '../../lambda/core/index.ts';
import {
  DEFAULTS,
  dominanceVerdict,
  dominatedBy,
  type Frontier,
  type FrontierPoint,
  LAGPILOT_SWEEP,
} from '../../sim/frontier.ts';
import { runFrontier } from '../../sim/frontier-report.ts';
import { runSimulate } from '../../sim/report.ts';
import { parseSimulateArgs } from '../../sim/simulate-args.ts';

/** 12 h of 5-minute samples: a daily swing with a few jumps of 3×. */
function csv(dir: string): string {
  const lines = ['timestamp,produce_rate'];
  for (let i = 0; i < 144; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 300_000).toISOString();
    const rate = (2000 + 1500 * Math.sin(i / 20)) * (i % 37 === 5 ? 3 : 1);
    lines.push(`${at},${rate.toFixed(1)}`);
  }
  const path = join(dir, 'jumps.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const point = (setting: string, v: number, im: number): FrontierPoint => ({
  setting,
  sloViolationMinutes: v,
  instanceMinutes: im,
  actions: 0,
  sloAttainment: 100,
});

describe('--frontier', () => {
  it('prints every policy along its knob, the plain fields, and a verdict that agrees with its points', {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontier-'));
    const trace = csv(dir);
    const args = ['--trace', trace, '--tick', '15', '--json', '--out', dir];
    const plain = JSON.parse(runSimulate(parseSimulateArgs(args)).text).traces[0];
    const { text, files } = await runFrontier(parseSimulateArgs([...args, '--frontier']));
    const result = JSON.parse(text).traces[0];

    // Every field of the plain --json, with the same values: the plain settings are points.
    for (const key of Object.keys(plain)) expect(result[key], key).toEqual(plain[key]);

    const keda = result.frontier.keda as FrontierPoint[];
    expect(keda.length).toBeGreaterThanOrEqual(5);
    for (const p of Object.values(result.frontier).flat() as FrontierPoint[]) {
      expect(Object.keys(p).sort()).toEqual(
        ['actions', 'instanceMinutes', 'setting', 'sloAttainment', 'sloViolationMinutes'].sort(),
      );
    }
    const tuned = keda.find((p) => p.setting === 'lagThreshold=15000')!;
    const row = plain.policies.find((p: { policy: string }) => p.policy.startsWith('keda-tuned'));
    expect(tuned).toEqual({
      setting: 'lagThreshold=15000',
      sloViolationMinutes: row.sloViolationMinutes,
      instanceMinutes: row.instanceMinutes,
      actions: row.actions,
      sloAttainment: row.sloAttainment,
    });
    // capacity × SLO × {1/16, 1/8, 1/4, 1/2, 1} on 1,000 msg/s and 60 s, and KEDA's default 10.
    expect(keda.map((p) => p.setting)).toEqual(
      [10, 3750, 7500, 15000, 30000, 60000].map((t) => `lagThreshold=${t}`),
    );
    expect(result.frontier['cpu-target-tracking'].map((p: FrontierPoint) => p.setting)).toEqual(
      [50, 60, 70, 80, 90].map((t) => `cpuTarget=${t}`),
    );
    expect(result.frontier['operators-guide']).toHaveLength(3);
    expect(result.frontier.lagpilot.map((p: FrontierPoint) => p.setting)).toEqual([
      DEFAULTS,
      ...LAGPILOT_SWEEP.map((s) => s.setting),
    ]);
    // The sweep's default attainment is the defaults' run, printed under both settings.
    const [defaults, ...swept] = result.frontier.lagpilot as FrontierPoint[];
    const atDefault = swept.find((p) => p.setting === 'LAGPILOT_SLO_ATTAINMENT=99.9')!;
    expect({ ...atDefault, setting: DEFAULTS }).toEqual(defaults);

    // The verdict, recomputed from the printed points alone.
    const ours = result.frontier.lagpilot[0] as FrontierPoint;
    const expected = Object.entries(result.frontier as Frontier)
      .filter(([policy]) => policy !== 'lagpilot' && policy !== 'reference')
      .flatMap(([policy, points]) =>
        points
          .filter(
            (p) =>
              p.sloViolationMinutes <= ours.sloViolationMinutes &&
              p.instanceMinutes <= ours.instanceMinutes &&
              (p.sloViolationMinutes < ours.sloViolationMinutes ||
                p.instanceMinutes < ours.instanceMinutes),
          )
          .map((p) => `${policy}@${p.setting}`),
      );
    expect(result.dominatedBy).toEqual(expected);

    const svg = readFileSync(files[0]!, 'utf8');
    expect(files[0]).toBe(join(dir, 'jumps-frontier.svg'));
    expect(svg).toContain('lagpilot defaults');
    for (const policy of ['keda', 'cpu-target-tracking', 'operators-guide', 'reference'])
      expect(svg).toContain(`${policy} (`);
  });

  it('finds lagpilot dominated when a peer point is no worse on both and better on one', () => {
    const frontier: Frontier = {
      lagpilot: [point(DEFAULTS, 100, 5000), point('LAGPILOT_HEADROOM=2', 10, 9000)],
      keda: [point('lagThreshold=3750', 100, 4000), point('lagThreshold=15000', 20, 7000)],
      'cpu-target-tracking': [point('cpuTarget=50', 90, 5000), point('cpuTarget=90', 101, 10)],
      reference: [point('look-ahead', 0, 100)],
    };
    expect(dominatedBy(frontier)).toEqual([
      'keda@lagThreshold=3750',
      'cpu-target-tracking@cpuTarget=50',
    ]);
    expect(dominanceVerdict(dominatedBy(frontier))).toBe(
      "lagpilot's defaults: dominated by keda@lagThreshold=3750, cpu-target-tracking@cpuTarget=50.",
    );
  });

  it('finds lagpilot not dominated by equal points, trade-offs or the look-ahead reference', () => {
    const frontier: Frontier = {
      lagpilot: [point(DEFAULTS, 100, 5000)],
      keda: [point('lagThreshold=3750', 100, 5000), point('lagThreshold=15000', 20, 7000)],
      'operators-guide': [point('lagThresholds=2x', 101, 4000)],
      reference: [point('look-ahead', 0, 100)],
    };
    expect(dominatedBy(frontier)).toEqual([]);
    expect(dominanceVerdict([])).toBe("lagpilot's defaults: not dominated by any peer point.");
  });

  it("sweeps lagpilot's knobs as KNOB=value settings of real parameters", () => {
    for (const { setting, params } of LAGPILOT_SWEEP) {
      const [knob, value] = setting.split('=');
      expect(params).toEqual({ [knob!]: value });
      expect(AUTOSCALER_PARAMETERS.has(knob!)).toBe(true);
    }
  });

  it('refuses --frontier with --matrix, naming both', () => {
    expect(() => parseSimulateArgs(['--frontier', '--matrix'])).toThrow(/--frontier .* --matrix/);
  });
});
