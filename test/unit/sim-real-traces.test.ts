import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REAL_TRACE_NAMES, realTracePath } from '../../sim/real-traces.ts';
import { fleetFor, parseSimulateArgs } from '../../sim/simulate-args.ts';
import { traceDurationS } from '../../sim/trace.ts';
import { loadTrace } from '../../sim/traces.ts';

describe('real traces are built in', () => {
  it('every CSV of sim/traces-real is a trace by name, with its source and licence line', () => {
    const files = readdirSync(new URL('../../sim/traces-real/', import.meta.url))
      .filter((f) => f.endsWith('.csv'))
      .map((f) => f.replace(/\.csv$/, ''));
    expect([...REAL_TRACE_NAMES].sort()).toEqual(files.sort());
    for (const name of REAL_TRACE_NAMES) {
      const trace = loadTrace(name);
      const firstLine = readFileSync(realTracePath(name), 'utf8').split('\n')[0]!;
      expect(`# ${trace.source}`).toBe(firstLine);
      expect(trace.source).toMatch(/MIT|freely redistributable/);
      expect(trace.intervalS).toBe(300);
      expect(trace.measured).toBe(true);
      expect(traceDurationS(trace)).toBeGreaterThan(14 * 86_400);
    }
  });

  it('--trace all includes them; they run at 15 s unless --tick is given', () => {
    const all = parseSimulateArgs(['--trace', 'all']);
    const names = all.traces.map((t) => t.name);
    for (const name of REAL_TRACE_NAMES) expect(names).toContain(name);
    const ibm = all.traces.find((t) => t.name === 'tweets-ibm')!;
    expect(fleetFor(all, ibm).tickS).toBe(15);
    expect(fleetFor(all, all.traces[0]!).tickS).toBe(1);
    const given = parseSimulateArgs(['--trace', 'tweets-ibm', '--tick', '5']);
    expect(fleetFor(given, given.traces[0]!).tickS).toBe(5);
  });

  it('a step cadence the real trace tick cannot carry is refused, naming the trace', () => {
    expect(() => parseSimulateArgs(['--trace', 'tweets-ko', '--step-seconds', '10'])).toThrow(
      /multiple of the 15s tick trace tweets-ko runs at \(or give --tick\)/,
    );
  });
});
