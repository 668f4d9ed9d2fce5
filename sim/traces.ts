/**
 * Built-in traces (1-minute samples, deterministic: the noise and bursts come from a seeded
 * generator) and loading a trace by name or CSV path. Rates assume the default fleet (12
 * partitions, 1000 msg/s per worker): every surge is several times one worker's capacity.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Trace } from './trace.ts';
import { parseTraceCsv, TraceError } from './trace-csv.ts';

const MINUTE = 60;

/** mulberry32: a tiny seeded PRNG, so built-in traces are identical on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
};

/** A built-in trace by name, or a CSV file by path. */
export function loadTrace(spec: string): Trace {
  const builtIn = BUILT_IN_TRACES[spec];
  if (builtIn) return builtIn();
  if (!spec.toLowerCase().endsWith('.csv')) {
    throw new TraceError(
      `unknown trace "${spec}": give a built-in (${Object.keys(BUILT_IN_TRACES).join(', ')}) or a .csv file of timestamp,produce_rate`,
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
