import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupCapacity } from '../../lambda/core/capacity.ts';
import { parseScalingRules, type ScalingRules } from '../../lambda/core/config.ts';
import { balancedCounts } from '../../lambda/core/counts.ts';
import { windowSlack } from '../../lambda/core/history.ts';
import type { Decision } from '../../lambda/core/types.ts';
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
      // Messages appended per partition per step: busy and quiet spells, so a capacity learned
      // under load meets a lower produce rate and sizes a scale-down.
      produced: fc.constantFrom(0, 50, 1_000, 1_000, 20_000),
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

/** A saturated spell the capacity is learned in, then calm at varying produce rates. */
const loadThenCalmArb = fc
  .record({
    rules: rulesArb,
    partitions: fc.integer({ min: 1, max: 24 }),
    desired: fc.integer({ min: 1, max: 24 }),
    load: fc.integer({ min: 4, max: 10 }),
    calm: fc.array(fc.constantFrom(0, 100, 500, 1_000, 3_000), { minLength: 8, maxLength: 30 }),
  })
  .map((s) => ({
    rules: s.rules,
    partitions: s.partitions,
    desired: s.desired,
    stepSeconds: s.rules.stepIntervalMs / 1000,
    worlds: [
      ...Array.from(
        { length: s.load },
        (): World => ({
          lag: Array(s.partitions).fill(5_000),
          produced: 1_000,
          cpu: 50,
          memory: 40,
        }),
      ),
      ...s.calm.map(
        (produced): World => ({
          lag: Array(s.partitions).fill(0),
          produced,
          cpu: 10,
          memory: 30,
        }),
      ),
    ],
  }));

const isCorrection = (d: Decision) => d.cause.rule === 'bounds';

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
      fc.property(fc.oneof(scenarioArb, loadThenCalmArb), (s) => {
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

  it('no two signal-driven actions inside a cooldown, but for a measured shortfall', () => {
    // The judgments a cooldown does not hold: the oldest message projected past the SLO, and
    // after a scale-down a rate shortfall on consecutive readings (the step down undershot).
    const rate = (d: Decision) =>
      d.cause.rule === 'up' ? d.cause.signals.find((g) => g.kind === 'rate') : undefined;
    const projectedBreach = (d: Decision): boolean => {
      const g = rate(d);
      return g?.kind === 'rate' && g.overdueMs !== null;
    };
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const r = simulate(s);
        let previous: { at: number; action: 'up' | 'down' } | undefined;
        r.decisions.forEach((d, i) => {
          if (d.action === 'hold') return;
          const at = i * s.stepSeconds * 1000;
          const undershot = previous?.action === 'down' && rate(d) !== undefined;
          if (previous && !isCorrection(d) && !projectedBreach(d) && !undershot) {
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

  it('picks only partition-balanced counts (or min, or the cap) when balancing is on', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.rules.balancedCounts);
        const r = simulate(s);
        const balanced = new Set(balancedCounts(s.partitions));
        // Until lag is first read the partition count is unknown: nothing to balance on.
        const firstRead = s.worlds.findIndex((w) => typeof w.lag !== 'string');
        r.decisions.forEach((d, i) => {
          if (d.action === 'hold' || isCorrection(d) || firstRead < 0 || i < firstRead) return;
          // The cap (a max below the partition count) is the count when no balanced one fits.
          if (d.to !== s.rules.minTasks && d.to !== d.cap) expect(balanced.has(d.to)).toBe(true);
        });
      }),
      PROPERTY,
    );
  });
});

describe('rate-sized scale-down', () => {
  it('never scales below the count the learned capacity needs for the peak produce rate of the down-window', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArb, loadThenCalmArb), (s) => {
        const r = simulate(s);
        r.decisions.forEach((d, i) => {
          if (d.action !== 'down' || isCorrection(d) || d.measures.taskCapacity === null) return;
          const p = d.measures.partitions ?? s.partitions;
          // Every per-step produce rate seen within the down-window (the calm needs all of it).
          const since = Math.max(
            0,
            i - Math.floor(s.rules.downWindowMs / (s.stepSeconds * 1000)) + 1,
          );
          const rates = r.decisions
            .slice(since, i + 1)
            .map((x) => x.measures.produceRate)
            .filter((x): x is number => x !== null);
          const peak = Math.max(0, ...rates);
          const carried = groupCapacity(d.measures.taskCapacity, p, d.to);
          expect(carried).toBeGreaterThanOrEqual(peak * s.rules.headroom - 1e-6);
          expect(d.sizing?.balanced).toBe(s.rules.downStep === 'fit' ? d.to : d.sizing?.balanced);
        });
      }),
      PROPERTY,
    );
  });
});

describe('the generated scenarios', () => {
  it('exercise scale-ups, scale-downs, corrections and holds (so the invariants are not vacuous)', () => {
    const seen = { up: 0, down: 0, hold: 0, correction: 0, sized: 0 };
    for (const s of fc.sample(fc.oneof(scenarioArb, loadThenCalmArb), { numRuns: 300, seed: 42 })) {
      for (const d of simulate(s).decisions) {
        seen[d.action]++;
        if (isCorrection(d)) seen.correction++;
        if (d.action === 'down' && d.sizing !== null) seen.sized++;
      }
    }
    expect(seen.sized).toBeGreaterThan(5);
    expect(seen.up).toBeGreaterThan(50);
    expect(seen.down).toBeGreaterThan(50);
    expect(seen.correction).toBeGreaterThan(20);
    expect(seen.hold).toBeGreaterThan(seen.up);
  });
});
