import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { run, spread, type World } from '../helpers/scaler.ts';

const STEP = 15_000;
/** 48 partitions, so that balanced counts lie close together; 100 msg/s a task, configured. */
const P = 48;
const rules = parseScalingRules({
  LAGPILOT_TASK_CAPACITY: '100',
  LAGPILOT_TASK_START: '60s',
  LAGPILOT_MAX_TASKS: '48',
});
/** A 15-second step producing `rate` msg/s, with `lag` behind. */
const at = (rate: number, lag: number, extra: Partial<World> = {}): World => ({
  lag: spread(lag, P),
  produced: (rate * STEP) / 1000 / P,
  cpu: 50,
  memory: 40,
  ...extra,
});
/**
 * 300/s on 4 tasks (400/s), then 800/s from the very start of a step: that step's reading
 * (800/s after 300/s) is taken as a jump in mid-interval to 1,300/s and sized for it; the next
 * one measures 800/s over a whole interval while the 20 added tasks are still pending.
 */
const jump = (next: Partial<World> = {}) =>
  run(rules, [at(300, 0), at(300, 0), at(800, 6_000), at(800, 12_000, { running: 4, ...next })], {
    stepMs: STEP,
  });

describe('trimming a scale-up sized on the rate now', () => {
  it('trims to what a whole interval needs while the added tasks are pending', () => {
    const r = jump();
    expect(r.decisions[2]).toMatchObject({ action: 'up', to: 24 });
    expect(r.decisions[2]!.sizing!.produceRate).toBeCloseTo(1_300);
    const trim = r.decisions[3]!;
    expect(trim).toMatchObject({ action: 'down', to: 12, cause: { rule: 'trim', pending: 20 } });
    expect(trim.sizing!.produceRate).toBeCloseTo(800);
    expect(explain(trim)[1]).toBe(
      "the rate over a whole interval needs fewer; 20 of the scale-up's tasks not started yet",
    );
    // The trim amends the scale-up: its time (cooldown, start measurement) is kept.
    expect(r.states[3]!.lastAction).toMatchObject({
      action: 'up',
      from: 4,
      to: 12,
      at: r.states[2]!.lastAction!.at,
    });
  });

  it('keeps the tasks when the rate fell since: the backlog a burst left drains faster', () => {
    const ended = jump({ produced: (300 * STEP) / 1000 / P, lag: spread(9_000, P) });
    expect(ended.decisions[3]!.action).not.toBe('down');
  });

  it('never cancels a running task, and never on a failed observation', () => {
    expect(jump({ running: 16 }).decisions[3]).toMatchObject({ action: 'down', to: 16 });
    expect(jump({ cpu: 'CloudWatch throttled' }).decisions[3]!.action).toBe('hold');
    expect(jump({ running: 24 }).decisions[3]!.action).not.toBe('down');
  });

  it('leaves a scale-up sized on the measured rate alone', () => {
    // The same jump seen a step later, at 800/s over a whole interval on both readings.
    const r = run(
      rules,
      [at(300, 0), at(800, 0), at(800, 6_000), at(800, 12_000, { running: 4 })],
      { stepMs: STEP },
    );
    const up = r.decisions.findIndex((d) => d.action === 'up');
    expect(r.states[up]!.lastAction!.sizedNow).toBeUndefined();
    expect(r.decisions.slice(up + 1).map((d) => d.action)).not.toContain('down');
  });
});
