import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { explain } from '../../lambda/core/explain.ts';
import { expectedWeekRate, KEEP_HOURS, recordWeekRate } from '../../lambda/core/recurrence-week.ts';
import { EMPTY_STATE, type WeeklyPeaks } from '../../lambda/core/types.ts';
import { run, spread, type World } from '../helpers/scaler.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEEK = 168 * HOUR;
/** A Monday, 09:00 UTC: the hour the synthetic weekly batch starts. */
const MONDAY_9 = Date.UTC(2026, 1, 2, 9);
const EMPTY: WeeklyPeaks = EMPTY_STATE.weekly;

/**
 * Four weeks and two hours of hourly peaks up to (not including) MONDAY_9: 1,000/s, except the
 * Monday 09:00 hour of each past week k (1 = last week) where `burst(k)` gives a rate.
 */
function history(burst: (weeksAgo: number) => number | null, base = () => 1_000): WeeklyPeaks {
  let kept = EMPTY;
  for (let at = MONDAY_9 - 4 * WEEK - 2 * HOUR; at < MONDAY_9; at += HOUR) {
    const weeksAgo = (MONDAY_9 - at) / WEEK;
    const rate = Number.isInteger(weeksAgo) ? (burst(weeksAgo) ?? base()) : base();
    kept = recordWeekRate(kept, at + 30 * MINUTE, rate);
  }
  return kept;
}

describe('hour-of-week recurrence', () => {
  it('expects the third highest of the bursts seen at this hour in the last four weeks', () => {
    const sizes = [5_000, 6_000, 4_000, 7_000];
    const kept = history((k) => sizes[k - 1]!);
    expect(
      expectedWeekRate(kept, {
        now: MONDAY_9 - 3 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toEqual({
      rate: 5_000,
      recurrence: { period: 'week', weekday: 1, hour: 9, of: 3, last: 4 },
    });
    // Further ahead than the lead, or already at the expected rate: nothing to do.
    expect(
      expectedWeekRate(kept, {
        now: MONDAY_9 - 10 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toBeNull();
    expect(
      expectedWeekRate(kept, {
        now: MONDAY_9 - 3 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 5_000,
      }),
    ).toBeNull();
    expect(
      expectedWeekRate(kept, { now: MONDAY_9 - 3 * MINUTE, leadMs: 0, produceRate: 1_000 }),
    ).toBeNull();
  });

  it('needs the burst in 3 of the 4 weeks, and a jump over the hour before it', () => {
    const twice = history((k) => (k % 2 === 0 ? 5_000 : null));
    expect(
      expectedWeekRate(twice, {
        now: MONDAY_9 - 3 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toBeNull();
    const thrice = history((k) => (k === 2 ? null : 5_000));
    expect(
      expectedWeekRate(thrice, {
        now: MONDAY_9 - 3 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      })?.rate,
    ).toBe(5_000);
    // A daily rise of 1.4× per hour is a trend the ordinary rules follow, not a burst.
    let rate = 1_000;
    let ramp = EMPTY;
    for (let at = MONDAY_9 - 4 * WEEK - 2 * HOUR; at < MONDAY_9; at += HOUR) {
      rate = new Date(at).getUTCHours() === 0 ? 1_000 : rate * 1.4;
      ramp = recordWeekRate(ramp, at, rate);
    }
    expect(
      expectedWeekRate(ramp, {
        now: MONDAY_9 - 3 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toBeNull();
  });

  it('ends when the burst came this hour, or with the hour when it did not', () => {
    const kept = history(() => 5_000);
    const came = recordWeekRate(kept, MONDAY_9 + 2 * MINUTE, 5_200);
    expect(
      expectedWeekRate(came, {
        now: MONDAY_9 + 10 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toBeNull();
    const waiting = recordWeekRate(kept, MONDAY_9 + 2 * MINUTE, 1_000);
    expect(
      expectedWeekRate(waiting, {
        now: MONDAY_9 + 50 * MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      })?.rate,
    ).toBe(5_000);
    expect(
      expectedWeekRate(waiting, {
        now: MONDAY_9 + HOUR + MINUTE,
        leadMs: 3 * MINUTE,
        produceRate: 1_000,
      }),
    ).toBeNull();
  });

  it('keeps at most four weeks and two hours of hourly peaks, recorded forward only', () => {
    let kept = EMPTY;
    for (let at = MONDAY_9 - 6 * WEEK; at <= MONDAY_9; at += 20 * MINUTE) {
      kept = recordWeekRate(kept, at, 1_000);
      expect(kept.peaks.length).toBeLessThanOrEqual(KEEP_HOURS);
    }
    expect(kept.peaks).toHaveLength(KEEP_HOURS);
    expect(kept.firstHour + KEEP_HOURS - 1).toBe(MONDAY_9 / HOUR);
    // The peak per hour is the highest rate recorded in it.
    const hour = [1_000, 3_000, 2_000].reduce(
      (k, rate, i) => recordWeekRate(k, MONDAY_9 + HOUR + i * 10 * MINUTE, rate),
      kept,
    );
    expect(hour.peaks.at(-1)).toBe(3_000);
    expect(hour.peaks).toHaveLength(KEEP_HOURS);
    expect(recordWeekRate(kept, MONDAY_9 - 2 * HOUR, 99_999)).toBe(kept);
    // A step without a produce rate (lag unobserved) leaves the hour unobserved.
    const gap = recordWeekRate(hour, MONDAY_9 + 4 * HOUR, null);
    expect(gap.peaks.slice(-3)).toEqual([null, null, null]);
    // After a silence longer than everything kept, it starts over at the new hour.
    const later = MONDAY_9 + 5 * WEEK;
    expect(recordWeekRate(gap, later, 1_234)).toEqual({ firstHour: later / HOUR, peaks: [1_234] });
  });
});

describe('pre-scaling ahead of a burst recurring weekly', () => {
  // 1,000/s (5,000 per partition per minute over 12 partitions), 5,000/s during the burst.
  const minute = (burst: boolean): World => ({
    lag: spread(120),
    produced: burst ? 25_000 : 5_000,
    cpu: 10,
    memory: 30,
  });
  /** Minutes from 08:40 to 10:20 on the fifth Monday; the batch comes at 09:00–09:30 or not. */
  const morning = (comes: boolean) =>
    Array.from({ length: 100 }, (_, i) => minute(comes && i >= 20 && i < 50));
  const rules = (lead: string) =>
    parseScalingRules({
      LAGPILOT_TASK_CAPACITY: '1000',
      LAGPILOT_PRESCALE_LEAD: lead,
      LAGPILOT_HEADROOM: '1.1',
    });
  const state = { ...EMPTY_STATE, weekly: history(() => 5_000) };
  const at = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return (h! - 8) * 60 + m! - 40;
  };

  it('raises capacity three minutes before it and releases it after the hour when it does not come', () => {
    const start = MONDAY_9 - 20 * MINUTE;
    const r = run(rules('3m'), morning(false), { desired: 2, start, learn: false, state });
    const ups = r.decisions.flatMap((d, i) => (d.action === 'up' ? [i] : []));
    expect(ups).toEqual([at('08:57')]);
    const prescaled = r.decisions[at('08:57')]!;
    expect(prescaled.cause).toEqual({
      rule: 'prescale',
      recurrence: { period: 'week', weekday: 1, hour: 9, of: 3, last: 4 },
    });
    expect(explain(prescaled)[0]).toBe(
      'scale 2→6: ahead of a burst recurring at Mon 09:00 UTC (3 of the last 4 weeks); need 5.5 tasks (recurring produce 5,000/s × 1.1 at 1,000/s per task (configured)); balanced 6',
    );
    // Held while the hour can still bring it, released once the hour passed and calm held.
    expect(r.desired[at('09:55')]).toBe(6);
    expect(r.desired[at('10:10')]).toBe(2);
  });

  it('is ready when it comes, and off with LAGPILOT_PRESCALE_LEAD=0s', () => {
    const start = MONDAY_9 - 20 * MINUTE;
    const on = run(rules('3m'), morning(true), { desired: 2, start, learn: false, state });
    expect(on.desired[at('09:00')]).toBe(6);
    const off = run(rules('0s'), morning(false), { desired: 2, start, learn: false, state });
    expect(off.decisions.filter((d) => d.action === 'up')).toEqual([]);
    // The peaks are still kept: the error budget's floor reads the recent hours.
    expect(off.states.at(-1)!.weekly.peaks.length).toBeGreaterThan(0);
  });
});
