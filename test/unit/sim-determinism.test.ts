import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import type { Decision } from '../../lambda/core/types.ts';
import { compare } from '../../sim/compare.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import { readParamsFile } from '../../sim/params-file.ts';
import { allPolicies } from '../../sim/policies/all.ts';
import { lagpilot } from '../../sim/policies/lagpilot.ts';
import { readingsOf, SIMULATION_EPOCH_MS } from '../../sim/policies/lagpilot-readings.ts';
import { GUIDE } from '../../sim/policies/operators-guide.ts';
import { runSimulate } from '../../sim/report.ts';
import { parseSimulateArgs } from '../../sim/simulate-args.ts';
import { BUILT_IN_TRACES } from '../../sim/traces.ts';

const peers = { kedaLagThreshold: 1000, cpuTarget: 70 };

describe('the simulator', () => {
  it('gives the same table for the same trace and parameters', () => {
    const trace = BUILT_IN_TRACES.bursty!();
    const a = compare(trace, DEFAULT_FLEET, allPolicies(parseScalingRules({}), peers));
    const b = compare(trace, DEFAULT_FLEET, allPolicies(parseScalingRules({}), peers));
    expect(b.scores).toEqual(a.scores);
    expect(b.runs.map((r) => r.actions)).toEqual(a.runs.map((r) => r.actions));
    expect(a.scores.map((s) => s.policy)).toEqual([
      'lagpilot',
      'keda-default (lagThreshold 10)',
      'keda-tuned (lagThreshold 1000)',
      'cpu-target-tracking',
      'operators-guide',
      'reference',
    ]);
  });

  it("drives lagpilot through the core's step(): its actions are the decisions, explained", () => {
    const trace = BUILT_IN_TRACES['step-surge']!();
    const { runs } = compare(trace, DEFAULT_FLEET, allPolicies(parseScalingRules({}), peers));
    const lagpilotRun = runs.find((r) => r.policy === 'lagpilot')!;
    expect(lagpilotRun.actions.length).toBeGreaterThan(0);
    const decisions: Decision[] = [];
    const watched = compare(trace, DEFAULT_FLEET, [
      lagpilot(parseScalingRules({}), { onDecision: (d) => decisions.push(d) }),
    ]).runs[0]!;
    expect(watched.actions).toEqual(lagpilotRun.actions);
    const acted = decisions.filter((d) => d.action !== 'hold');
    expect(acted.map((d) => ({ from: d.from, to: d.to }))).toEqual(
      watched.actions.map((a) => ({ from: a.from, to: a.to })),
    );
    expect(acted.map((d) => d.cause.rule)).toContain('up');
    expect(watched.actions.map((a) => a.reason)).toEqual(acted.map((d) => explain(d).join('; ')));

    // Parameters change its behaviour: a longer down-window acts later.
    const slow = compare(
      trace,
      DEFAULT_FLEET,
      allPolicies(parseScalingRules({ LAGPILOT_DOWN_WINDOW: '10m' }), peers).slice(0, 1),
    );
    expect(slow.runs[0]!.actions[0]!.atS).toBeGreaterThan(lagpilotRun.actions[0]!.atS);
  });

  it('shows lagpilot offsets, group state and the chosen CloudWatch statistic as the Lambda sees them', () => {
    const point = (value: number) => [{ atS: 0, value }];
    const view = {
      nowS: 300,
      partitions: 2,
      endOffsets: [100.7, 50],
      committedOffsets: [90.2, 50],
      totalLag: 10.5,
      desired: 2,
      running: 2,
      pending: 0,
      rebalancing: true,
      cpu: point(40),
      memory: point(35),
      busiestCpu: point(90),
      busiestMemory: point(48),
      backlog: [10, 0],
      oldestAgeS: 3,
    };
    const average = readingsOf(view, 'average');
    expect(average.lag).toMatchObject({
      ok: true,
      value: {
        partitionCount: 2,
        group: { state: 'PreparingRebalance', members: 2 },
        partitions: [
          { partition: 0, committed: 90, end: 100, lag: 10 },
          { partition: 1, committed: 50, end: 50, lag: 0 },
        ],
      },
    });
    expect(average.resources).toEqual({
      ok: true,
      value: [{ at: SIMULATION_EPOCH_MS, cpu: 40, memory: 35 }],
    });
    // The busiest task (CloudWatch Maximum) is what the Lambda reads, and the default.
    expect(readingsOf(view).resources).toEqual({
      ok: true,
      value: [{ at: SIMULATION_EPOCH_MS, cpu: 90, memory: 48 }],
    });
  });

  it('lets the reference keep the SLO on every built-in trace', { timeout: 30_000 }, () => {
    for (const make of Object.values(BUILT_IN_TRACES)) {
      const { scores } = compare(
        make(),
        DEFAULT_FLEET,
        allPolicies(parseScalingRules({}), peers).slice(-1),
      );
      expect(scores[0]!.sloViolationMinutes).toBe(0);
    }
  });

  it('writes a chart per trace and a report with the table', () => {
    const out = mkdtempSync(join(tmpdir(), 'lagpilot-sim-out-'));
    const { text, files } = runSimulate(parseSimulateArgs(['--trace', 'ramp', '--out', out]));
    expect(text).toContain('| lagpilot |');
    expect(files).toEqual([join(out, 'ramp.svg'), join(out, 'simulate.md')]);
    const svg = readFileSync(join(out, 'ramp.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns/);
    for (const policy of [
      'lagpilot',
      'keda-default',
      'keda-tuned',
      'operators-guide',
      'reference',
    ]) {
      expect(svg).toContain(policy);
    }
    // The title names the trace and the fleet, never a path.
    expect(svg).toContain(
      '<title>lagpilot simulate: ramp on 12 partitions, 1000 msg/s per worker at 100 % CPU',
    );
    expect(svg).not.toContain(out);
    expect(readFileSync(join(out, 'simulate.md'), 'utf8')).toContain(
      "### lagpilot's decisions on ramp",
    );
  });

  it("reads the operators' guide in sim/examples/operators-guide.env as the guide peer does", () => {
    const env = readParamsFile(
      fileURLToPath(new URL('../../sim/examples/operators-guide.env', import.meta.url)),
    );
    const rules = parseScalingRules(env);
    expect(rules).toMatchObject({
      lagHigh: GUIDE.lagUp,
      cpuHigh: GUIDE.cpuUp,
      memoryHigh: GUIDE.memoryUp,
      lagLow: GUIDE.lagDown,
      cpuLow: GUIDE.cpuDown,
      memoryLow: GUIDE.memoryDown,
      upWindowMs: GUIDE.sustainedMinutes * 60_000,
      downWindowMs: GUIDE.sustainedMinutes * 60_000,
      upFactor: GUIDE.factor,
      downStep: 'half',
      upCooldownMs: GUIDE.settleMinutes * 60_000,
      downCooldownMs: GUIDE.settleMinutes * 60_000,
    });
  });
});
