import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseParamsText } from '../../sim/params-file.ts';
import { allPolicies } from '../../sim/policies/all.ts';
import { parseSimulateArgs } from '../../sim/simulate-args.ts';

const dir = mkdtempSync(join(tmpdir(), 'lagpilot-sim-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('--params files', () => {
  it('reads LAGPILOT_* lines like a .env file', () => {
    expect(
      parseParamsText(
        '# tuned after the incident\nLAGPILOT_LAG_HIGH=20000\nexport LAGPILOT_UP_WINDOW="2m"\n\n',
        'p.env',
      ),
    ).toEqual({ LAGPILOT_LAG_HIGH: '20000', LAGPILOT_UP_WINDOW: '2m' });
  });

  it('names every unknown parameter', () => {
    expect(() =>
      parseParamsText('LAGPILOT_LAG_HIGH=1\nLAGPILOT_LAG_HI=2\nLAGPILOT_COOLDOWN=3m\n', 'p.env'),
    ).toThrow(
      /p\.env: unknown parameters LAGPILOT_LAG_HI \(line 2\), LAGPILOT_COOLDOWN \(line 3\)/,
    );
  });

  it('names a malformed line', () => {
    expect(() => parseParamsText('LAGPILOT_LAG_HIGH 20000\n', 'p.env')).toThrow(
      /p\.env line 1: expected LAGPILOT_NAME=value/,
    );
  });

  it('applies the values with the autoscaler’s own schema', () => {
    const options = parseSimulateArgs([
      '--trace',
      'ramp',
      '--params',
      file('ok.env', 'LAGPILOT_UP_WINDOW=2m\nLAGPILOT_MAX_TASKS=8\n'),
    ]);
    expect(options.rules.upWindowMs).toBe(120_000);
    expect(options.fleet.max).toBe(8);
    expect(options.traces.map((t) => t.name)).toEqual(['ramp']);
  });

  it('reports a bad value by its file, line and parameter name', () => {
    const path = file(
      'bad.env',
      '# tuned\nLAGPILOT_LAG_HIGH=20000\nLAGPILOT_UP_WINDOW=5 minutes\n',
    );
    expect(() => parseSimulateArgs(['--trace', 'ramp', '--params', path])).toThrow(
      new RegExp(
        `${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 3: LAGPILOT_UP_WINDOW.*not a duration`,
      ),
    );
    // A problem between two parameters is traced to the one the file set.
    const low = file('low.env', 'LAGPILOT_LAG_HIGH=10\n');
    expect(() => parseSimulateArgs(['--trace', 'ramp', '--params', low])).toThrow(
      /low\.env line 1: LAGPILOT_LAG_LOW: must be below LAGPILOT_LAG_HIGH/,
    );
    // A value set by a flag is traced to the flag.
    expect(() => parseSimulateArgs(['--trace', 'ramp', '--step-seconds', '45'])).toThrow(
      /--step-seconds: LAGPILOT_STEP_INTERVAL/,
    );
  });

  it('lets --min/--max override the parameters for every policy', () => {
    const options = parseSimulateArgs(['--trace', 'ramp', '--min', '2', '--max', '6']);
    expect([options.rules.minTasks, options.rules.maxTasks]).toEqual([2, 6]);
    expect([options.fleet.min, options.fleet.max]).toEqual([2, 6]);
  });

  it('steps lagpilot at LAGPILOT_STEP_INTERVAL; --step-seconds sets the same parameter', () => {
    const lagpilotInterval = (argv: string[]) => {
      const o = parseSimulateArgs(['--trace', 'ramp', ...argv]);
      const context = { fleet: o.fleet, trace: o.traces[0]! };
      return allPolicies(o.rules, o.peers)[0]!.create(context).intervalS;
    };
    expect(lagpilotInterval([])).toBe(15);
    const params = file('fast.env', 'LAGPILOT_STEP_INTERVAL=20s\n');
    expect(lagpilotInterval(['--params', params])).toBe(20);
    expect(lagpilotInterval(['--step-seconds', '15'])).toBe(15);
    expect(() => parseSimulateArgs(['--step-seconds', '45'])).toThrow(
      /LAGPILOT_STEP_INTERVAL="45s": must divide a minute/,
    );
    expect(() => parseSimulateArgs(['--step-seconds', '20', '--tick', '15'])).toThrow(
      /20s: must be a multiple of the 15s tick/,
    );
  });
});

describe('simulate command line', () => {
  it('rejects unknown options and bad numbers by name', () => {
    expect(() => parseSimulateArgs(['--partitons', '12'])).toThrow(/--partitons/);
    expect(() => parseSimulateArgs(['--capacity', 'fast'])).toThrow(/--capacity "fast"/);
    expect(() => parseSimulateArgs(['--tick', '2'])).toThrow(/--tick "2": must be 1, 3, 5 or 15/);
  });

  it('reads plain decimals only: 0x10 is not 16', () => {
    expect(() => parseSimulateArgs(['--partitions', '0x10'])).toThrow(/--partitions "0x10"/);
    expect(() => parseSimulateArgs(['--capacity', '1e3x'])).toThrow(/--capacity "1e3x"/);
    expect(parseSimulateArgs(['--capacity', '1.5e3']).fleet.capacity).toBe(1500);
  });

  it('takes the fleet realism flags, and checks them', () => {
    const o = parseSimulateArgs([
      '--cpu-at-capacity',
      '40',
      '--capacity-noise',
      '0.1',
      '--rebalance-spread',
      '0.5',
      '--seed',
      '7',
    ]);
    expect(o.fleet).toMatchObject({
      cpuAtCapacity: 40,
      capacityNoise: 0.1,
      rebalanceSpread: 0.5,
      seed: 7,
    });
    expect(() => parseSimulateArgs(['--cpu-at-capacity', '4'])).toThrow(
      /--cpu-at-capacity "4": must be a CPU %/,
    );
    expect(() => parseSimulateArgs(['--capacity-noise', '1'])).toThrow(/--capacity-noise "1"/);
  });

  it('tunes KEDA for the fleet unless --keda-lag-threshold is given (a whole number, as KEDA reads it)', () => {
    expect(parseSimulateArgs([]).peers.kedaLagThreshold).toBe(15_000); // 1,000 msg/s × 60 s / 4
    expect(parseSimulateArgs(['--capacity', '3000']).peers.kedaLagThreshold).toBe(45_000);
    expect(parseSimulateArgs(['--keda-lag-threshold', '1000']).peers.kedaLagThreshold).toBe(1000);
    expect(() => parseSimulateArgs(['--keda-lag-threshold', '10.5'])).toThrow(/whole number/);
  });

  it('runs the matrix at its own tick over the built-in traces only', () => {
    expect(parseSimulateArgs(['--matrix']).fleet.tickS).toBe(15);
    expect(parseSimulateArgs(['--matrix', '--tick', '5']).fleet.tickS).toBe(5);
    expect(() => parseSimulateArgs(['--matrix', '--trace', 'ramp'])).toThrow(
      /--matrix runs every built-in trace/,
    );
  });

  it('rejects a trace shorter than twice the longest window, naming the window', () => {
    const rows = Array.from(
      { length: 20 },
      (_, i) => `${new Date(Date.UTC(2026, 10, 21, 10, i)).toISOString()},100`,
    );
    const path = file('short.csv', rows.join('\n'));
    expect(() => parseSimulateArgs(['--trace', path])).toThrow(
      /lasts 20 min: shorter than twice the longest window \(target tracking scale-in alarm, 15 min\)/,
    );
    const params = file('slow.env', 'LAGPILOT_DOWN_WINDOW=16m\n');
    expect(() => parseSimulateArgs(['--trace', path, '--params', params])).toThrow(
      /lasts 20 min: shorter than twice the longest window \(LAGPILOT_DOWN_WINDOW, 16 min\)/,
    );
  });

  it('replays a CSV trace as written: its name, interval and every rate, header skipped', () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${1_763_719_200 + i * 60},${i < 20 ? 1000 : 3000}`,
    );
    const path = file('ok.csv', `timestamp,produce_rate\n${rows.join('\n')}\n`);
    const [trace] = parseSimulateArgs(['--trace', path]).traces;
    expect(trace).toMatchObject({ name: 'ok', intervalS: 60 });
    expect(trace?.rates).toEqual([...Array(20).fill(1000), ...Array(20).fill(3000)]);
  });
});
