import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/engine.ts';
import { DEFAULT_FLEET, type FleetParams } from '../../sim/fleet.ts';
import { MessageAge } from '../../sim/message-age.ts';
import type { PolicyFactory } from '../../sim/policy.ts';
import { runSimulate } from '../../sim/report.ts';
import { withSampling } from '../../sim/sampling.ts';
import { score } from '../../sim/score.ts';
import { parseSimulateArgs } from '../../sim/simulate-args.ts';
import { forEachPiece, type Trace, traceDurationS } from '../../sim/trace.ts';
import { loadTrace } from '../../sim/traces.ts';

const constant = (rate: number, minutes: number): Trace => ({
  name: 'constant',
  description: '',
  intervalS: 60,
  rates: new Array(minutes).fill(rate),
});

describe('each minute is scored by the highest age reached in it', () => {
  it('MessageAge: a consumer starting late in a tick passes a peak the tick end does not show', () => {
    const age = new MessageAge();
    age.produce(0, 15, 1500); // 100 msg/s over the tick
    // Paused until 12 s, then drains everything by 15 s: the oldest message waited 12 s.
    const peak = age.consumeOver(1500, 12, 15);
    expect(peak).toBeCloseTo(12, 9);
    expect(age.ageAt(15)).toBe(0);
  });

  it('MessageAge: the peak just before the consumer leaves a segment with a gap after it', () => {
    const age = new MessageAge();
    age.produce(0, 5, 500); // then nothing until 10 s
    age.produce(10, 15, 500);
    // Steady over [9, 15]: message 500 (made at 5 s) is reached at 9 + 500 / (1000 / 6) = 12 s.
    expect(age.consumeOver(1000, 9, 15)).toBeCloseTo(9, 9);
  });

  it('the engine catches a peak inside a rebalance pause that tick-end scoring missed', () => {
    // 100 msg/s on one task; at 60 s the policy adds a task that joins at once: a 12 s pause at
    // the start of the 60–75 s tick, after which the backlog drains before the tick ends.
    const endAges: number[] = [];
    const grow: PolicyFactory = {
      name: 'grow',
      create: () => ({
        intervalS: 15,
        evaluate: (view) => {
          endAges.push(view.oldestAgeS);
          return view.nowS === 60 ? 2 : undefined;
        },
      }),
    };
    const fleet: FleetParams = {
      ...DEFAULT_FLEET,
      sloS: 10,
      tickS: 15,
      startDelayS: 0,
      rebalanceS: 12,
      commitLagS: 0,
    };
    const run = simulate(constant(100, 3), fleet, grow);
    // Every tick end saw an age under the SLO …
    expect(Math.max(...endAges)).toBeLessThan(fleet.sloS);
    // … yet the oldest message waited 12 s inside minute 1: that minute violates the SLO.
    expect(run.lagSeconds[1]).toBeCloseTo(12, 6);
    expect(score(run, fleet.sloS).sloViolationMinutes).toBe(1);
  });
});

describe('sampling: noise within a sample and a phase against the evaluations', () => {
  const trace: Trace = {
    name: 'five-minute',
    description: '',
    intervalS: 300,
    rates: [1000, 4000, 2000, 8000, 500, 3000, 3000, 6000],
  };

  /** Messages produced within [t0, t1) of `t`. */
  const produced = (t: Trace, t0: number, t1: number) => {
    let total = 0;
    forEachPiece(t, t0, t1, (a, b, rate) => {
      total += rate * (b - a);
    });
    return total;
  };

  it('keeps each sample mean, shifts the samples by the phase and keeps the length', () => {
    const sampled = withSampling(trace, { noise: 0.2, phaseS: 45, seed: 7 });
    expect(sampled.sampling).toEqual({ noise: 0.2, phaseS: 45, seed: 7, pieceS: 75 });
    expect(traceDurationS(sampled)).toBe(traceDurationS(trace));
    // Samples 1..6 (not clipped by the peak of 8,000, not cut by the trace's end) keep their mean.
    for (const i of [1, 2, 4, 5, 6]) {
      expect(produced(sampled, i * 300 + 45, (i + 1) * 300 + 45) / 300).toBeCloseTo(
        trace.rates[i]!,
        6,
      );
    }
    expect(Math.max(...sampled.rates)).toBeLessThanOrEqual(8000);
    // Within a sample, the rate varies (the noise) within ±20 % before renormalising.
    const inSample = sampled.rates.slice((300 + 45) / 5, (600 + 45) / 5);
    expect(new Set(inSample).size).toBe(4);
    for (const r of inSample) expect(Math.abs(r / 4000 - 1)).toBeLessThan(0.5);
  });

  it('is off for shapes and on for real traces by default; the flags override it', () => {
    const shape = parseSimulateArgs(['--trace', 'ramp']).traces[0]!;
    expect(shape.sampling).toBeUndefined();
    const real = parseSimulateArgs(['--trace', 'tweets-ko']).traces[0]!;
    expect(real.sampling?.noise).toBe(0.2);
    expect(real.sampling?.phaseS).toBeGreaterThanOrEqual(0);
    expect(real.sampling?.phaseS).toBeLessThan(300);
    const off = parseSimulateArgs(['--trace', 'tweets-ko', '--sample-noise', '0']);
    expect(off.traces[0]!.sampling?.noise).toBe(0);
    const none = ['--trace', 'tweets-ko', '--sample-noise', '0', '--sample-phase', '0'];
    expect(parseSimulateArgs(none).traces[0]).toEqual(loadTrace('tweets-ko'));
    expect(() => parseSimulateArgs(['--trace', 'tweets-ko', '--sample-phase', '7'])).toThrow(
      /--sample-phase 7: must be a multiple of 5 s in \[0, 300\) for trace tweets-ko/,
    );
  });

  it('identical seeds give identical results, other seeds other draws; the output records them', () => {
    const sample = (seed: number) => withSampling(trace, { noise: 0.3, phaseS: 'random', seed });
    expect(sample(3)).toEqual(sample(3));
    const phases = [1, 2, 3, 4, 5, 6].map((seed) => sample(seed).sampling?.phaseS);
    expect(new Set(phases).size).toBeGreaterThan(1);
    expect(sample(1).rates).not.toEqual(sample(2).rates);

    const args = ['--trace', 'ramp', '--sample-noise', '0.3', '--sample-phase', 'random'];
    const json = (seed: string) =>
      JSON.parse(
        runSimulate(parseSimulateArgs([...args, '--seed', seed, '--json', '--out', '/tmp/x'])).text,
      ).traces[0];
    const a = json('5');
    expect(json('5')).toEqual(a);
    expect(a.sampling).toMatchObject({ noise: 0.3, seed: 5, pieceS: 15 });
    const text = runSimulate(parseSimulateArgs([...args, '--seed', '5', '--out', '/tmp/x'])).text;
    expect(text).toContain(`samples shifted ${a.sampling.phaseS} s against the policies`);
  });
});
