import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rateAt, traceDurationS } from '../../sim/trace.ts';
import { parseTraceCsv } from '../../sim/trace-csv.ts';
import { BUILT_IN_TRACES, loadTrace } from '../../sim/traces.ts';

const parse = (text: string) => parseTraceCsv(text, 't', 'trace.csv');

describe('CSV traces', () => {
  it('reads ISO timestamps at any regular interval, skipping header, blanks and comments', () => {
    const trace = parse(
      'timestamp,produce_rate\n# exported from CloudWatch\n2026-11-21T10:00:00Z,100\n\n2026-11-21T10:05:00Z,250.5\n2026-11-21T10:10:00Z,0\n',
    );
    expect(trace.intervalS).toBe(300);
    expect(trace.rates).toEqual([100, 250.5, 0]);
    expect(traceDurationS(trace)).toBe(900);
    expect(rateAt(trace, 301)).toBe(250.5);
  });

  it('reads quoted fields and zone-less times as UTC', () => {
    const trace = parse(
      '"Timestamp","Value"\n"2026-03-29 00:30:00",10\n"2026-03-29 01:30:00",20\n"2026-03-29 02:30:00",30\n',
    );
    expect(trace.intervalS).toBe(3600);
    expect(trace.rates).toEqual([10, 20, 30]);
  });

  it('takes a CloudWatch export header such as "Timestamp (UTC),MessagesInPerSec"', () => {
    const trace = parse(
      'Timestamp (UTC),MessagesInPerSec\n2026-11-21 10:00:00,1200.5\n2026-11-21 10:01:00,1300\n',
    );
    expect(trace.rates).toEqual([1200.5, 1300]);
    expect(trace.description).toBe('2 samples every 60s from trace.csv');
  });

  it('names the file only, not its directories, in the description', () => {
    expect(
      parseTraceCsv('1763719200,5\n1763719260,6\n', 't', '/tmp/a/b/export.csv').description,
    ).toBe('2 samples every 60s from export.csv');
  });

  it('reads epoch seconds and epoch milliseconds', () => {
    expect(parse('1763719200,5\n1763719210,6\n').intervalS).toBe(10);
    expect(parse('1763719200000,5\n1763719260000,6\n').intervalS).toBe(60);
  });

  it.each([
    ['2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,2,3\n', /trace\.csv line 2: expected 2 fields/],
    ['2026-11-21T10:00:00Z,1\nyesterday,2\n', /trace\.csv line 2: timestamp "yesterday"/],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,\n',
      /trace\.csv line 2: produce_rate is missing/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,-4\n',
      /trace\.csv line 2: produce_rate -4 is negative/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,lots\n',
      /line 2: produce_rate "lots" is not a decimal number/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,1\n2026-11-21T10:03:00Z,1\n',
      /trace\.csv line 3: timestamp: irregular interval 120s \(the trace's interval is 60s/,
    ],
    [
      '2026-11-21T10:01:00Z,1\n2026-11-21T10:00:00Z,1\n',
      /line 2: timestamp "2026-11-21T10:00:00Z" is before line 1's: timestamps must increase/,
    ],
    // Out of order in the middle: reported on the line that goes back, not as an interval later.
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,1\n2026-11-21T10:03:00Z,1\n2026-11-21T10:02:00Z,1\n',
      /trace\.csv line 4: timestamp "2026-11-21T10:02:00Z" is before line 3's: timestamps must increase/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:00:00Z,1\n',
      /line 2: timestamp .* is the same as line 1's/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,0x10\n',
      /trace\.csv line 2: produce_rate "0x10" is not a decimal number/,
    ],
    [
      '2026-11-21T10:00:00Z,1\n2026-11-21T10:01:00Z,Infinity\n',
      /line 2: produce_rate "Infinity" is not a decimal/,
    ],
    ['2026-11-21T10:00:00Z,1\n', /needs at least 2 samples/],
  ])('rejects %j naming the line', (text, message) => {
    expect(() => parse(text)).toThrow(message);
  });

  it('loads the example CloudWatch export', () => {
    const trace = loadTrace(
      fileURLToPath(new URL('../../sim/examples/orders-export.csv', import.meta.url)),
    );
    expect(trace.name).toBe('orders-export');
    expect([trace.intervalS, trace.rates.length]).toEqual([60, 240]);
  });

  it('names the built-ins when a trace is unknown', () => {
    expect(() => loadTrace('surge')).toThrow(/unknown trace "surge".*step-surge, diurnal/);
    expect(() => loadTrace('/nonexistent/x.csv')).toThrow(/cannot read trace file/);
  });
});

describe('built-in traces', () => {
  it('are deterministic and non-negative', () => {
    for (const make of Object.values(BUILT_IN_TRACES)) {
      const a = make();
      expect(make().rates).toEqual(a.rates);
      expect(a.rates.every((r) => r >= 0)).toBe(true);
    }
  });
});
