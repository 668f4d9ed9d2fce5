/**
 * Built-in traces (1-minute samples, deterministic: the noise and bursts come from a seeded
 * generator) and loading a trace by name or CSV path. Rates assume the default fleet (12
 * partitions, 1000 msg/s per worker): every surge is several times one worker's capacity.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { seeded } from './fleet.ts';
import { REAL_TRACES } from './real-traces.ts';
import type { Trace } from './trace.ts';
import { parseTraceCsv, TraceError } from './trace-csv.ts';

const MINUTE = 60;
const HOUR = 60;
const DAY = 24 * HOUR;

/**
 * Real traffic's noise: each minute × (1 + a slow AR(1) wander + white noise), both of about
 * `level` (a fraction), from the seed.
 */
function noisy(shape: (m: number) => number, minutes: number, level: number, seed: number) {
  const random = seeded(seed);
  const rates: number[] = [];
  let wander = 0;
  for (let m = 0; m < minutes; m++) {
    wander = 0.9 * wander + 0.1 * level * (2 * random() - 1) * 3;
    rates.push(Math.max(0, shape(m) * (1 + wander + level * (2 * random() - 1))));
  }
  return rates;
}

/** 1 h at 800 msg/s; ×10 within a minute; a noisy decay (half-life 40 min) over 4 h. */
function flashCrowd(): Trace {
  const start = HOUR;
  return {
    name: 'flash-crowd',
    description:
      '1 h at 800 msg/s, ×10 (8,000) within a minute, decaying (half-life 40 min) over 4 h, ±10 % noise',
    intervalS: MINUTE,
    rates: noisy(
      (m) => (m < start ? 800 : 800 + 7200 * 0.5 ** ((m - start) / 40)),
      5 * HOUR,
      0.1,
      11,
    ),
  };
}

/** 12 h at 1,000 msg/s; at 5 past every hour a 4-minute batch at 5×. */
function hourlyBatch(): Trace {
  return {
    name: 'hourly-batch',
    description:
      '12 h at 1,000 msg/s with a 4-min batch at 5,000 msg/s at 5 past every hour, ±8 % noise',
    intervalS: MINUTE,
    rates: noisy((m) => (m % HOUR >= 5 && m % HOUR < 9 ? 5000 : 1000), 12 * HOUR, 0.08, 12),
  };
}

/** A week: a daily cycle, weekends at half, all growing 4 % a day. */
function weeklyGrowth(): Trace {
  return {
    name: 'weekly-growth',
    description:
      '7 days: daily cycle 400 → 4,000 msg/s, weekend days at half, +4 % a day, ±5 % noise',
    intervalS: MINUTE,
    rates: noisy(
      (m) => {
        const day = Math.floor(m / DAY);
        const phase = (1 - Math.cos((2 * Math.PI * m) / DAY)) / 2;
        const weekend = day % 7 >= 5 ? 0.5 : 1;
        return (400 + 3600 * phase * weekend) * 1.04 ** (m / DAY);
      },
      7 * DAY,
      0.05,
      13,
    ),
  };
}

/** Three days of steady growth, 800 → 8,000 msg/s. */
function slowLeak(): Trace {
  return {
    name: 'slow-leak',
    description: '3 days of steady growth from 800 to 8,000 msg/s, ±5 % noise',
    intervalS: MINUTE,
    rates: noisy((m) => 800 + (7200 * m) / (3 * DAY), 3 * DAY, 0.05, 14),
  };
}

/** Minute-by-minute rates from piecewise segments [minutes, from, to] (linear within each). */
function piecewise(segments: readonly (readonly [number, number, number])[]): number[] {
  const rates: number[] = [];
  for (const [minutes, from, to] of segments) {
    for (let i = 0; i < minutes; i++) rates.push(from + ((to - from) * i) / Math.max(1, minutes));
  }
  return rates;
}

function stepSurge(): Trace {
  return {
    name: 'step-surge',
    description: '30 min at 1,200 msg/s, a 60-min surge to 5,000 msg/s, then 90 min at 1,200',
    intervalS: MINUTE,
    rates: piecewise([
      [30, 1200, 1200],
      [60, 5000, 5000],
      [90, 1200, 1200],
    ]),
  };
}

/** Two days of a daily cycle (500 → 5,000 msg/s at midday) with ±5 % minute-to-minute noise. */
export function diurnal(days = 2): Trace {
  const random = seeded(6);
  const rates: number[] = [];
  for (let m = 0; m < days * 24 * 60; m++) {
    const phase = (1 - Math.cos((2 * Math.PI * m) / (24 * 60))) / 2;
    rates.push((500 + 4500 * phase) * (0.95 + 0.1 * random()));
  }
  return {
    name: 'diurnal',
    description: `${days} days of a daily cycle, 500 msg/s at night to 5,000 at midday, ±5 % noise`,
    intervalS: MINUTE,
    rates,
  };
}

function ramp(): Trace {
  return {
    name: 'ramp',
    description:
      '30 min at 1,000 msg/s, up to 9,000 over 2 h, 1 h hold, down over 1 h, 30 min quiet',
    intervalS: MINUTE,
    rates: piecewise([
      [30, 1000, 1000],
      [120, 1000, 9000],
      [60, 9000, 9000],
      [60, 9000, 1000],
      [30, 1000, 1000],
    ]),
  };
}

/** Six hours at 1,500 msg/s with 20 spikes to 8,000 msg/s lasting 1–3 minutes. */
function bursty(): Trace {
  const random = seeded(42);
  const rates = new Array<number>(6 * 60).fill(1500);
  for (let spike = 0; spike < 20; spike++) {
    const start = 10 + Math.floor(random() * (rates.length - 20));
    const length = 1 + Math.floor(random() * 3);
    for (let m = start; m < start + length; m++) rates[m] = 8000;
  }
  return {
    name: 'bursty',
    description: '6 h at 1,500 msg/s with 20 spikes to 8,000 msg/s of 1–3 min each',
    intervalS: MINUTE,
    rates,
  };
}

/** The topic grows from 6 to 12 partitions at 1 h, ahead of a surge the old count could not carry. */
function partitionIncrease(): Trace {
  return {
    name: 'partition-increase',
    description:
      '6 partitions at 3,000 msg/s; at 1 h the topic goes to 12 partitions; at 1.5 h a surge to 9,000 msg/s for 90 min; 1 h at 3,000',
    intervalS: MINUTE,
    rates: piecewise([
      [90, 3000, 3000],
      [90, 9000, 9000],
      [60, 3000, 3000],
    ]),
    partitionChanges: [
      { atS: 0, partitions: 6 },
      { atS: 60 * MINUTE, partitions: 12 },
    ],
  };
}

export const BUILT_IN_TRACES: Readonly<Record<string, () => Trace>> = {
  'step-surge': stepSurge,
  diurnal: () => diurnal(),
  ramp,
  bursty,
  'partition-increase': partitionIncrease,
  'flash-crowd': flashCrowd,
  'hourly-batch': hourlyBatch,
  'weekly-growth': weeklyGrowth,
  'slow-leak': slowLeak,
};

/**
 * Six weeks at 1,500 msg/s with a 30-minute batch at 6,000 msg/s every Monday at 09:00 UTC
 * (the simulation starts on a Thursday), except in the fifth week: what hour-of-week
 * pre-scaling learns from, and the week it waits for a burst that does not come.
 */
function weeklyBurst(): Trace {
  const week = 7 * DAY;
  const monday9 = 4 * DAY + 9 * HOUR;
  return {
    name: 'weekly-burst',
    description:
      '6 weeks at 1,500 msg/s with a 30-min batch at 6,000 msg/s on Mondays at 09:00 UTC, skipped in week 5, ±8 % noise',
    intervalS: MINUTE,
    rates: noisy(
      (m) => {
        const w = Math.floor(m / week);
        const inBurst = m % week >= monday9 && m % week < monday9 + 30;
        return inBurst && w !== 4 ? 6000 : 1500;
      },
      6 * week,
      0.08,
      15,
    ),
  };
}

/**
 * Traces too long for the matrix (which reruns every built-in trace on 16 fleets): given by
 * name with `--trace` only.
 */
export const LONG_TRACES: Readonly<Record<string, () => Trace>> = {
  'weekly-burst': weeklyBurst,
};

/** The traces `--trace all` runs: the shapes, then the real traces. */
export const ALL_TRACE_NAMES = [...Object.keys(BUILT_IN_TRACES), ...Object.keys(REAL_TRACES)];

/** A built-in trace by name (shape, long shape or real trace), or a CSV file by path. */
export function loadTrace(spec: string): Trace {
  const builtIn = BUILT_IN_TRACES[spec] ?? LONG_TRACES[spec] ?? REAL_TRACES[spec];
  if (builtIn) return builtIn();
  if (!spec.toLowerCase().endsWith('.csv')) {
    throw new TraceError(
      `unknown trace "${spec}": give a built-in (${[...ALL_TRACE_NAMES, ...Object.keys(LONG_TRACES)].join(', ')}) or a .csv file of timestamp,produce_rate`,
    );
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    throw new TraceError(`cannot read trace file ${spec}: ${(error as Error).message}`);
  }
  return parseTraceCsv(text, basename(spec, '.csv'), spec);
}
