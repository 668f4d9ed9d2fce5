import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matrixFleets, matrixJobs, runMatrix } from '../../sim/matrix.ts';
import { matrixScoreboard } from '../../sim/matrix-report.ts';
import { cellVerdict } from '../../sim/matrix-verdict.ts';
import { runSimulate } from '../../sim/report.ts';
import type { Score } from '../../sim/score.ts';
import { parseSimulateArgs } from '../../sim/simulate-args.ts';
import { ALL_TRACE_NAMES, BUILT_IN_TRACES } from '../../sim/traces.ts';

const out = () => mkdtempSync(join(tmpdir(), 'lagpilot-sim-out-'));

describe('--json', () => {
  it('prints trace, fleet, per-policy figures, the bound and the verdict as data', () => {
    const { text } = runSimulate(
      parseSimulateArgs(['--trace', 'step-surge', '--json', '--out', out()]),
    );
    const parsed = JSON.parse(text);
    expect(parsed.fleet).toMatch(/^12 partitions, 1000 msg\/s per worker at 100 % CPU/);
    const [result] = parsed.traces;
    expect(result).toMatchObject({ trace: 'step-surge', feasible: true, peakRate: 5000 });
    expect(result.policies.map((p: { policy: string }) => p.policy)).toEqual([
      'lagpilot',
      'keda-default (lagThreshold 10)',
      'keda-tuned (lagThreshold 15000)',
      'cpu-target-tracking',
      'operators-guide',
      'reference',
    ]);
    for (const p of result.policies) {
      expect(Object.keys(p).sort()).toEqual(
        [
          'actions',
          'instanceMinutes',
          'peakLag',
          'peakLagSeconds',
          'policy',
          'sloViolationMinutes',
          'sloAttainment',
        ].sort(),
      );
    }
    const reference = result.policies.at(-1);
    expect(reference.sloViolationMinutes).toBe(0);
    expect(reference.sloAttainment).toBe(100);
    const minutes = 180;
    for (const p of result.policies) {
      expect(p.sloAttainment).toBeCloseTo(100 * (1 - p.sloViolationMinutes / minutes), 3);
    }
    expect(result.bound.instanceMinutes).toBeLessThanOrEqual(reference.instanceMinutes);
    expect(result.bound.unavoidableViolationMinutes).toBe(0);
    expect(typeof result.verdict.met).toBe('boolean');
    expect(Array.isArray(result.verdict.misses)).toBe(true);
  });

  it('marks a trace the partition cap cannot carry as infeasible, and the verdict says so', () => {
    const dir = out();
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${1_763_719_200 + i * 60},${i < 10 ? 1000 : 20_000}`,
    );
    const csv = join(dir, 'flood.csv');
    writeFileSync(csv, rows.join('\n'));
    const options = parseSimulateArgs(['--trace', csv, '--out', dir]);
    const [result] = JSON.parse(runSimulate({ ...options, json: true }).text).traces;
    expect(result).toMatchObject({ feasible: false, peakRate: 20_000, ceilingRate: 12_000 });
    expect(result.bound.unavoidableViolationMinutes).toBeGreaterThan(0);
    const text = runSimulate(options).text;
    expect(text).toContain(
      '**Warning:** infeasible: the peak of 20,000 msg/s exceeds the 12,000 msg/s',
    );
    expect(text).not.toMatch(/lagpilot meets its targets on this trace \(targets[^)]*\)\./);
    expect(text).toMatch(/The trace exceeds what the partition cap can carry/);
  });
});

describe('charts', () => {
  it('give same-named traces their own SVG', () => {
    const dir = out();
    const rows = Array.from({ length: 40 }, (_, i) => `${1_763_719_200 + i * 60},1000`).join('\n');
    for (const sub of ['a', 'b']) {
      mkdirSync(join(dir, sub));
      writeFileSync(join(dir, sub, 'export.csv'), rows);
    }
    const { files } = runSimulate(
      parseSimulateArgs([
        '--trace',
        join(dir, 'a', 'export.csv'),
        '--trace',
        join(dir, 'b', 'export.csv'),
        '--trace',
        'ramp',
        '--trace',
        'ramp',
        '--out',
        dir,
      ]),
    );
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'export.svg',
      'export-2.svg',
      'ramp.svg',
      'ramp-2.svg',
      'simulate.md',
    ]);
    const svg = readFileSync(join(dir, 'export-2.svg'), 'utf8');
    expect(svg).toContain('export — 12 partitions');
    expect(svg).not.toContain(dir);
    expect(svg).toMatch(/dashed: the 12k msg\/s the partition cap lets the fleet carry/);
  });
});

describe('the robustness matrix', () => {
  it('crosses capacity, CPU at capacity, rebalance and start delay: 16 fleets', () => {
    const options = parseSimulateArgs(['--matrix']);
    const fleets = matrixFleets(options.fleet);
    expect(fleets).toHaveLength(16);
    expect(
      new Set(
        fleets.map((f) => `${f.capacity}/${f.cpuAtCapacity}/${f.rebalanceS}/${f.startDelayS}`),
      ).size,
    ).toBe(16);
    expect(matrixJobs(options.fleet, options.env, options.peers, undefined)).toHaveLength(
      16 * ALL_TRACE_NAMES.length,
    );
    expect(ALL_TRACE_NAMES).toContain('tweets-ibm');
  });

  it('never sees a policy beat the bound on any built-in trace × fleet', {
    timeout: 300_000,
  }, async () => {
    const options = parseSimulateArgs(['--matrix']);
    const shapes = Object.keys(BUILT_IN_TRACES);
    const cells = await runMatrix(
      matrixJobs(options.fleet, options.env, options.peers, undefined, shapes),
    );
    expect(cells).toHaveLength(16 * Object.keys(BUILT_IN_TRACES).length);
    const beaten = cells.filter((c) => !c.boundHolds).map((c) => `${c.trace} on ${c.fleet}`);
    expect(beaten).toEqual([]);
    for (const c of cells) {
      for (const p of c.policies) {
        if (p.sloViolationMinutes === 0) {
          expect(p.instanceMinutes, `${p.policy}, ${c.trace} on ${c.fleet}`).toBeGreaterThanOrEqual(
            c.bound.instanceMinutes,
          );
        }
      }
    }
    const board = matrixScoreboard(cells);
    expect(board).toMatch(/^Each policy cell: SLO-violation minutes/);
    expect(board).toMatch(/The bound held in (\d+) of \1 cells\./);
    const feasible = cells.filter((c) => c.feasible);
    const met = feasible.filter((c) => c.matrixVerdict?.met).length;
    expect(board).toContain(
      `lagpilot meets its target in ${met} of ${feasible.length} feasible cells`,
    );
  });

  it("meets a cell's target only when no peer dominates lagpilot and it costs ≤ 1.5 × the reference", () => {
    const row = (policy: string, v: number, im: number): Score => ({
      policy,
      sloViolationMinutes: v,
      sloAttainment: 100,
      peakLag: 0,
      peakLagSeconds: 0,
      instanceMinutes: im,
      actions: 0,
    });
    const reference = row('reference', 0, 1000);
    const keda = row('keda-tuned (lagThreshold 15000)', 5, 1400);
    expect(cellVerdict([row('lagpilot', 5, 1450), keda, reference])).toEqual({
      met: false,
      dominatedBy: ['keda-tuned (lagThreshold 15000)'],
      costVsReference: 1.45,
    });
    expect(cellVerdict([row('lagpilot', 4, 1450), keda, reference])?.met).toBe(true);
    expect(cellVerdict([row('lagpilot', 0, 1600), keda, reference])).toEqual({
      met: false,
      dominatedBy: [],
      costVsReference: 1.6,
    });
  });
});
