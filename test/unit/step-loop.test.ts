import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { nextStep, parseStepMessage, queueNext, stepOf } from '../../lambda/handler/step-chain.ts';
import { runSteps, STEP_RESERVE_MS } from '../../lambda/handler/step-loop.ts';

/** A fake invocation: a clock that only sleep and the steps advance, and a function timeout. */
function invocation({ timeoutMs = 58_000, stepMs = 50 } = {}) {
  let t = 0;
  let running = 0;
  const starts: number[] = [];
  const sleeps: number[] = [];
  const step = async () => {
    running++;
    expect(running).toBe(1); // never two steps at once
    starts.push(t);
    await Promise.resolve();
    t += typeof stepMs === 'number' ? stepMs : 0;
    running--;
    return starts.length;
  };
  const options = (intervalMs: number) => ({
    intervalMs,
    clock: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    remainingMs: () => timeoutMs - t,
  });
  return { step, options, starts, sleeps, advance: (ms: number) => (t += ms) };
}

describe('runSteps: several control steps per scheduled invocation', () => {
  it('at a 1m interval runs one step and never waits', async () => {
    const inv = invocation();
    const interval = parseScalingRules({ LAGPILOT_STEP_INTERVAL: '1m' }).stepIntervalMs;
    const result = await runSteps(inv.step, inv.options(interval));
    expect(result).toEqual({ steps: [1] });
    expect(inv.sleeps).toEqual([]);
  });

  it('ends the invocation early once a step finds nothing moving (LAGPILOT_STEP_WHEN=moving)', async () => {
    const inv = invocation();
    const moving = [true, false, true];
    const result = await runSteps(inv.step, {
      ...inv.options(15_000),
      continueAfter: (n: number) => moving[n - 1] ?? true,
    });
    // Step 1 moved, step 2 did not: no third step, no third wait.
    expect(result).toEqual({ steps: [1, 2] });
    expect(inv.sleeps).toHaveLength(1);
  });

  it.each([
    [30_000, [0, 30_000]],
    [20_000, [0, 20_000, 40_000]],
    [15_000, [0, 15_000, 30_000, 45_000]],
  ])(
    'every %i ms: steps start on the interval until the next invocation is due',
    async (interval, at) => {
      const inv = invocation();
      const result = await runSteps(inv.step, inv.options(interval));
      expect(inv.starts).toEqual(at);
      expect(result.steps).toHaveLength(at.length);
      expect(result.cutShort).toBeUndefined();
      // Each wait is the interval less the step's own 50 ms: the cadence does not drift.
      expect(inv.sleeps.every((ms) => ms === interval - 50)).toBe(true);
    },
  );

  it('awaits each step: a slow step delays nothing but its own slot, and steps never overlap', async () => {
    const inv = invocation({ stepMs: 20_000 });
    await runSteps(inv.step, inv.options(15_000));
    // 0–20 s overran the 15 s slot, which is skipped; 30–50 s overran the 45 s slot.
    expect(inv.starts).toEqual([0, 30_000]);
  });

  it('stops before a step the function timeout could cut, and says why', async () => {
    const inv = invocation({ timeoutMs: 49_000 });
    const result = await runSteps(inv.step, inv.options(15_000));
    // At 45 s only 4 s would be left before a 49 s timeout: under the reserve.
    expect(inv.starts).toEqual([0, 15_000, 30_000]);
    expect(result.cutShort).toMatch(
      new RegExp(`^3 of 4 steps: 4 s would be left .* under the ${STEP_RESERVE_MS / 1000} s`),
    );
    expect(result.cutShort).toContain('raise the timeout');
  });

  it('runs the first step even when little time is left (the invocation exists for it)', async () => {
    const inv = invocation({ timeoutMs: 1_000 });
    const result = await runSteps(inv.step, inv.options(15_000));
    expect(result.steps).toEqual([1]);
    expect(result.cutShort).toMatch(/^1 of 4 steps/);
  });
});

describe('the step chain (a queue of delayed steps)', () => {
  const minute = { minuteStart: 600_000, due: 600_000 };

  it('queues the next step of the minute, delayed until it is due, and none after the last', () => {
    // The first step ran for 400 ms: the next is due 15 s after the minute began.
    expect(nextStep(minute, 15_000, 600_400)).toEqual({
      message: { minuteStart: 600_000, due: 615_000 },
      delaySeconds: 15,
    });
    // A step delivered late (at 631 s for 630 s): the one after it keeps its own due time.
    expect(nextStep({ ...minute, due: 630_000 }, 15_000, 631_200)).toEqual({
      message: { minuteStart: 600_000, due: 645_000 },
      delaySeconds: 14,
    });
    expect(nextStep({ ...minute, due: 645_000 }, 15_000, 645_300)).toBeNull();
    // Overdue already: no negative delay.
    expect(nextStep(minute, 15_000, 620_000)?.delaySeconds).toBe(0);
    expect(nextStep(minute, 60_000, 600_100)).toBeNull();
  });

  it('reads back only its own messages', () => {
    expect(parseStepMessage(JSON.stringify(minute))).toEqual(minute);
    expect(parseStepMessage('{"minuteStart":"soon"}')).toBeUndefined();
    expect(parseStepMessage('not json')).toBeUndefined();
  });
});

describe('a queued step', () => {
  const at = { minuteStart: 600_000, due: 615_000 };
  const event = (body: string) => ({ Records: [{ body }] });

  it('runs when on time, is skipped when its minute has passed or it is not one', () => {
    expect(stepOf({ source: 'aws.events' }, 15_000, 600_000)).toEqual({});
    expect(stepOf(event(JSON.stringify(at)), 15_000, 615_400)).toEqual({ at });
    expect(stepOf(event(JSON.stringify(at)), 15_000, 631_000)).toEqual({
      skipped: 'step due at 615000 came late',
    });
    expect(stepOf(event('{}'), 15_000, 615_000)).toEqual({ skipped: 'not a step message' });
  });

  it('queues the next one, and warns without throwing when the queue refuses it', async () => {
    const sent: [unknown, number][] = [];
    const warned: string[] = [];
    const queue = { send: async (m: unknown, d: number) => void sent.push([m, d]) };
    expect(await queueNext(queue, at, 15_000, 615_300, (w) => warned.push(w))).toEqual({
      minuteStart: 600_000,
      due: 630_000,
    });
    expect(sent).toEqual([[{ minuteStart: 600_000, due: 630_000 }, 15]]);
    const refusing = { send: () => Promise.reject(new Error('AccessDenied')) };
    expect(await queueNext(refusing, at, 15_000, 615_300, (w) => warned.push(w))).toBeUndefined();
    expect(warned).toEqual([
      "next step not queued, the minute's later steps are skipped: AccessDenied",
    ]);
  });
});
