import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startCommand } from '../../local/start-command.ts';
import { simulateCommand } from '../../sim/simulate-command.ts';

// The commands print through the process streams: capture what they write.
let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => out.push(String(t)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => err.push(String(t)) > 0);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('lagpilot start and simulate on bad input', () => {
  it('print their usage for --help and exit 0', async () => {
    expect(await startCommand(['--help'])).toBe(0);
    expect(await simulateCommand(['-h'])).toBe(0);
    expect(out.join('')).toMatch(/^usage: lagpilot start[\s\S]*usage: lagpilot simulate/);
    expect(err).toEqual([]);
  });

  it('exit 2 on a bad flag, naming it, with the usage', async () => {
    expect(await startCommand(['--cadence', '5'])).toBe(2);
    expect(await simulateCommand(['--tick', '2'])).toBe(2);
    const text = err.join('');
    expect(text).toMatch(
      /^lagpilot start: --cadence "5" is not a duration[\s\S]*\n\nusage: lagpilot start/,
    );
    expect(text).toMatch(
      /lagpilot simulate: --tick "2": must be 1, 3, 5 or 15\n\nusage: lagpilot simulate/,
    );
  });

  it('exit 2 on a bad --params file or trace, naming the file and line, without the usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lagpilot-cli-'));
    const params = join(dir, 'low.env');
    writeFileSync(params, 'LAGPILOT_LAG_HIGH=10\n');
    const trace = join(dir, 'bad.csv');
    writeFileSync(trace, 'timestamp,produce_rate\n2026-01-01T00:00:00Z,fast\n');
    expect(await simulateCommand(['--params', params])).toBe(2);
    expect(await simulateCommand(['--trace', trace])).toBe(2);
    expect(await startCommand(['--profile', trace])).toBe(2);
    const lines = err.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^lagpilot simulate: .*low\.env line 1: LAGPILOT_LAG_LOW: must be below/,
    );
    expect(lines[1]).toMatch(/^lagpilot simulate: .*bad\.csv line 2: .*produce_rate/);
    expect(lines[2]).toMatch(/^lagpilot start: .*bad\.csv line 2: .*produce_rate/);
  });
});
