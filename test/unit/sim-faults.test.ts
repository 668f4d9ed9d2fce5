import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import type { Decision } from '../../lambda/core/types.ts';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET } from '../../sim/fleet.ts';
import { type LagpilotOptions, lagpilot } from '../../sim/policies/lagpilot.ts';
import type { Trace } from '../../sim/trace.ts';

/** A surge that needs several workers, then a long calm that lets them go. */
const SURGE_THEN_CALM: Trace = {
  name: 'surge-then-calm',
  description: '',
  intervalS: 60,
  rates: [...new Array(20).fill(6_000), ...new Array(60).fill(500)],
};
const CALM_FROM_S = 20 * 60;
const rules = parseScalingRules({});

function run(options: LagpilotOptions = {}) {
  const decisions: { atS: number; decision: Decision }[] = [];
  const onDecision = (decision: Decision, atS: number) => decisions.push({ atS, decision });
  const result = simulate(
    SURGE_THEN_CALM,
    DEFAULT_FLEET,
    lagpilot(rules, { ...options, onDecision }),
  );
  return { result, decisions };
}

describe('lagpilot in the simulator with failed and missing observations', () => {
  it('scales up in the surge and back down in the calm when everything is observed', () => {
    const { result, decisions } = run();
    const downs = result.actions.filter((a) => a.to < a.from && a.atS >= CALM_FROM_S);
    expect(result.actions.some((a) => a.to > a.from)).toBe(true);
    expect(downs.length).toBeGreaterThan(0);
    expect(decisions.every((d) => d.decision.unobserved.length === 0)).toBe(true);
  });

  it.each([
    ['lag', { lag: 'broker unreachable' }],
    ['CPU/memory', { resources: 'GetMetricData throttled' }],
  ] as const)('never scales down while %s fails, and says which', (what, failed) => {
    const { result, decisions } = run({
      faults: { failed: (atS) => (atS >= CALM_FROM_S ? failed : {}) },
    });
    expect(result.actions.filter((a) => a.to < a.from && a.atS >= CALM_FROM_S)).toEqual([]);
    const during = decisions.filter((d) => d.atS >= CALM_FROM_S);
    expect(during.length).toBeGreaterThan(0);
    const error = Object.values(failed)[0];
    const kind = what === 'lag' ? 'lag' : 'resources';
    expect(
      during.every((d) => d.decision.unobserved.some((u) => u.what === kind && u.error === error)),
    ).toBe(true);
  });

  it('holds at the last known count while the service cannot be read', () => {
    const { result, decisions } = run({ faults: { failed: () => ({ service: 'AccessDenied' }) } });
    expect(result.actions).toEqual([]);
    expect(decisions.length).toBeGreaterThan(0);
    for (const { decision } of decisions) {
      expect(decision.cause).toEqual({
        rule: 'hold',
        hold: { kind: 'service-unobserved', error: 'AccessDenied' },
      });
    }
  });

  it('runs no step at a missed invocation: nothing observed, nothing decided', () => {
    const odd = (atS: number) => Math.floor(atS / 60) % 2 === 1;
    const every = run().decisions.map((d) => d.atS);
    const { decisions } = run({ faults: { missed: odd } });
    expect(decisions.map((d) => d.atS)).toEqual(every.filter((atS) => !odd(atS)));
  });
});
