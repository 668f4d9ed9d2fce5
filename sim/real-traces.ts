/**
 * The real traces built in (sim/traces-real/*.csv, see its README): real workloads turned into a
 * topic's produce rate, one 5-minute sample per row, whose rate holds for the whole interval.
 * Each file's first line names its source and licence; it travels with the data as the trace's
 * `source`. They run at a 15 s tick unless --tick is given (8 weeks at 1 s would take minutes).
 */
import { readFileSync } from 'node:fs';
import type { Trace } from './trace.ts';
import { parseTraceCsv } from './trace-csv.ts';

export const REAL_TRACE_NAMES = [
  'tweets-ibm',
  'tweets-fb',
  'tweets-ko',
  'tweets-amzn',
  'nasa-http',
  'ec2-disk-write',
  'ec2-network-in',
] as const;

/** The tick a real trace runs at unless --tick is given. */
export const REAL_TRACE_TICK_S = 15;

/** The file of a built-in real trace. */
export const realTracePath = (name: string): URL =>
  new URL(`./traces-real/${name}.csv`, import.meta.url);

/** A built-in real trace: its samples, its source line, and the marks of measured traffic. */
export function realTrace(name: string): Trace {
  const text = readFileSync(realTracePath(name), 'utf8');
  const first = text.slice(0, text.indexOf('\n')).trim();
  const source = first.startsWith('#') ? first.replace(/^#\s*/, '') : '';
  const parsed = parseTraceCsv(text, name, `sim/traces-real/${name}.csv`);
  const days = (parsed.rates.length * parsed.intervalS) / 86_400;
  return {
    ...parsed,
    description: `${days.toFixed(1)} days of real traffic, one sample every ${parsed.intervalS / 60} min (${source.split(' — ')[0]})`,
    source,
    tickS: REAL_TRACE_TICK_S,
    measured: true,
  };
}

export const REAL_TRACES: Readonly<Record<string, () => Trace>> = Object.fromEntries(
  REAL_TRACE_NAMES.map((name) => [name, () => realTrace(name)]),
);
