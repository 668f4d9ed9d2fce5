import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScalingRules, type ScalingRules } from '../../lambda/config.ts';
import { balancedCounts, busiestShare } from '../../lambda/counts.ts';
import { windowSlack } from '../../lambda/history.ts';
import type { Decision } from '../../lambda/types.ts';
import { run, type World } from '../helpers/scaler.ts';

const START = 1_000_000_000_000;

const rulesArb: fc.Arbitrary<ScalingRules> = fc
  .record({
    min: fc.integer({ min: 0, max: 4 }),
    extra: fc.integer({ min: 0, max: 20 }),
    balanced: fc.boolean(),
    factor: fc.constantFrom('1', '1.5', '2', '4'),
    downStep: fc.constantFrom('fit', 'one', 'half'),
    cpuLow: fc.constantFrom('30', '60', '90'),
    step: fc.constantFrom('15s', '1m'),
    // 'step': the shortest window the cadence allows (two consecutive readings).
    upWindow: fc.constantFrom('step', '1m', '3m'),
    downWindow: fc.constantFrom('2m', '5m'),
    upCooldown: fc.constantFrom('0s', '2m', '3m'),
    downCooldown: fc.constantFrom('1m', '4m'),
  })
  .map((r) =>
    parseScalingRules({
      LAGPILOT_MIN_TASKS: String(r.min),
      LAGPILOT_MAX_TASKS: String(Math.max(1, r.min + r.extra)),
      LAGPILOT_BALANCED_COUNTS: String(r.balanced),
      LAGPILOT_UP_FACTOR: r.factor,
      LAGPILOT_DOWN_STEP: r.downStep,
      LAGPILOT_CPU_HIGH: '95',
      LAGPILOT_CPU_LOW: r.cpuLow,
      LAGPILOT_LAG_LOW: '1000',
      LAGPILOT_STEP_INTERVAL: r.step,
      LAGPILOT_UP_WINDOW: r.upWindow === 'step' ? r.step : r.upWindow,
      LAGPILOT_DOWN_WINDOW: r.downWindow,
      LAGPILOT_UP_COOLDOWN: r.upCooldown,
      LAGPILOT_DOWN_COOLDOWN: r.downCooldown,
    }),
  );

const level = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 900 }),
  fc.integer({ min: 1_000, max: 9_999 }),
  fc.integer({ min: 10_001, max: 200_000 }),
);

/** A world with a partition count that only grows, and every observation sometimes failing. */
const worldArb = (partitions: number): fc.Arbitrary<World> =>
  fc.record(
    {
      lag: fc.oneof(
        { weight: 4, arbitrary: fc.array(level, { minLength: partitions, maxLength: partitions }) },
        {
          weight: 3,
          arbitrary: fc.array(fc.integer({ min: 0, max: 40 }), {
            minLength: partitions,
            maxLength: partitions,
          }),
        },
        { weight: 1, arbitrary: fc.constant('broker unreachable') },
      ),
      cpu: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 29 }) },
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant('throttled') },
      ),
      memory: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 49 }) },
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      deploying: fc.constantFrom(false, false, false, false, true),
      running: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 8 }).map((n) => n ?? undefined),
      group: fc.constantFrom(
        undefined,
        undefined,
        undefined,
        { state: 'PreparingRebalance' as const, members: 1 },
        { state: 'Empty' as const, members: 0 },
      ),
      desired: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 8 }).map((d) => d ?? undefined),
    },
    { requiredKeys: ['lag'] },
  );

/** One world, or one world held for several steps (a sustained state the windows can see). */
const segmentArb = (partitions: number): fc.Arbitrary<World[]> =>
  fc.oneof(
    { weight: 1, arbitrary: worldArb(partitions).map((w) => [w]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(worldArb(partitions), fc.integer({ min: 3, max: 12 }))
        .map(([w, k]) => Array.from({ length: k }, () => w)),
    },
  );

const scenarioArb = fc
  .record({
    rules: rulesArb,
    partitions: fc.integer({ min: 1, max: 24 }),
    desired: fc.integer({ min: 0, max: 30 }),
  })
  .map((s) => ({ ...s, stepSeconds: s.rules.stepIntervalMs / 1000 }))
  .chain((s) =>
    fc
      .array(segmentArb(s.partitions), { minLength: 5, maxLength: 40 })
      .map((segments) => ({ ...s, worlds: segments.flat() })),
  );

const isCorrection = (d: Decision) => /below the minimum|above the cap/.test(d.reasons[0] ?? '');

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function simulate(s: Scenario) {
  return run(s.rules, s.worlds, { desired: s.desired, stepMs: s.stepSeconds * 1000, start: START });
}

const PROPERTY = { numRuns: 300 };

describe('decide() invariants', () => {
  it('bounds always hold: a hold keeps the count, an action lands in [min, cap]', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = simulate(s);
        for (const d of r.decisions) {
          if (d.action === 'hold') {
            expect(d.to).toBe(d.from);
            continue;
          }
          expect(d.to).toBeGreaterThanOrEqual(s.rules.minTasks);
          expect(d.to).toBeLessThanOrEqual(d.cap);
          expect(d.cap).toBeLessThanOrEqual(Math.max(s.rules.minTasks, s.rules.maxTasks));
          if (d.capBy === 'partitions') expect(d.cap).toBeLessThanOrEqual(s.partitions);
          expect(d.action === 'up' ? d.to > d.from : d.to < d.from).toBe(true);
        }
      }),
      PROPERTY,
    );
  });

  it('never scales down on missing or failed data, except to honour the cap', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = simulate(s);
        r.decisions.forEach((d, i) => {
          const w = s.worlds[i]!;
          const missing =
            typeof w.lag === 'string' ||
            typeof w.cpu === 'string' ||
            w.cpu === null ||
            w.memory === null;
          if (missing && d.action === 'down') expect(isCorrection(d)).toBe(true);
        });
      }),
      PROPERTY,
    );
  });

  it('no two signal-driven actions inside a cooldown', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = simulate(s);
        let previous: { at: number; action: 'up' | 'down' } | undefined;
        r.decisions.forEach((d, i) => {
          if (d.action === 'hold') return;
          const at = i * s.stepSeconds * 1000;
          if (previous && !isCorrection(d)) {
            const cooldown =
              previous.action === 'up' ? s.rules.upCooldownMs : s.rules.downCooldownMs;
            expect(at - previous.at).toBeGreaterThanOrEqual(cooldown - windowSlack(cooldown));
          }
          previous = { at, action: d.action };
        });
      }),
      PROPERTY,
    );
  });

  it('picks only partition-balanced counts (or min) when balancing is on', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.rules.balancedCounts);
        const r = simulate(s);
        const balanced = new Set(balancedCounts(s.partitions));
        // Until lag is first read the partition count is unknown: nothing to balance on.
        const firstRead = s.worlds.findIndex((w) => typeof w.lag !== 'string');
        r.decisions.forEach((d, i) => {
          if (d.action === 'hold' || isCorrection(d) || firstRead < 0 || i < firstRead) return;
          if (d.to !== s.rules.minTasks) expect(balanced.has(d.to)).toBe(true);
        });
      }),
      PROPERTY,
    );
  });
});

describe('right-sized scale-down', () => {
  it("never steps to a count whose projected CPU (from this step's reading) passes CPU_LOW", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.rules.downStep === 'fit');
        const r = simulate(s);
        for (const d of r.decisions) {
          if (d.action !== 'down' || isCorrection(d)) continue;
          const m = d.measures;
          const p = m.partitions ?? s.partitions;
          const growth =
            m.produceRate !== null && m.consumeRate !== null && m.consumeRate > 0
              ? Math.max(1, m.produceRate / m.consumeRate)
              : 1;
          const projected =
            ((m.cpu ?? 0) * growth * busiestShare(p, d.to)) / busiestShare(p, d.from);
          expect(projected).toBeLessThanOrEqual(s.rules.cpuLow + 1e-9);
          expect(d.to).toBeGreaterThanOrEqual(s.rules.minTasks);
        }
      }),
      PROPERTY,
    );
  });
});

describe('the generated scenarios', () => {
  it('exercise scale-ups, scale-downs, corrections and holds (so the invariants are not vacuous)', () => {
    const seen = { up: 0, down: 0, hold: 0, correction: 0, rightSized: 0 };
    for (const s of fc.sample(scenarioArb, { numRuns: 300, seed: 42 })) {
      for (const d of simulate(s).decisions) {
        seen[d.action]++;
        if (isCorrection(d)) seen.correction++;
        if (d.action === 'down' && d.reasons[1]?.startsWith('right-sized')) seen.rightSized++;
      }
    }
    expect(seen.rightSized).toBeGreaterThan(5);
    expect(seen.up).toBeGreaterThan(50);
    expect(seen.down).toBeGreaterThan(50);
    expect(seen.correction).toBeGreaterThan(20);
    expect(seen.hold).toBeGreaterThan(seen.up);
  });
});
