import { describe, expect, it } from 'vitest';
import { localRules } from '../../dev/local-rules.ts';
import { parseStartArgs, StartUsageError } from '../../dev/start-args.ts';
import { loadProfile } from '../../dev/traffic-profile.ts';

describe('lagpilot start options', () => {
  it('has documented defaults and reads every option', () => {
    const d = parseStartArgs([], new Date('2026-01-02T03:04:05.678Z'));
    expect(d).toMatchObject({
      durationMs: undefined,
      profile: 'surge',
      partitions: 12,
      capacity: 200,
      cadenceMs: 5000,
      timeScale: 12,
    });
    expect(d.outDir).toMatch(/docs\/reports\/local-2026-01-02T03-04-05Z$/);
    const o = parseStartArgs(
      '--duration 90s --profile ramp --partitions 6 --capacity 50 --cadence 2s --time-scale 30 --out /tmp/x'.split(
        ' ',
      ),
    );
    expect(o).toMatchObject({
      durationMs: 90_000,
      profile: 'ramp',
      partitions: 6,
      capacity: 50,
      cadenceMs: 2000,
      timeScale: 30,
      outDir: '/tmp/x',
    });
  });

  it.each([
    [['--duration', '90'], /--duration "90"/],
    [['--partitions', '2.5'], /--partitions "2.5": must be a positive whole number/],
    [['--capacity=-1'], /--capacity "-1": must be a positive number/],
    [['--speed', '2'], /speed/],
  ])('rejects %j naming the option', (argv, message) => {
    expect(() => parseStartArgs(argv)).toThrow(StartUsageError);
    expect(() => parseStartArgs(argv)).toThrow(message);
  });
});

describe('local rules', () => {
  it('divides windows and cooldowns by the time scale, nothing else', () => {
    const r = localRules({ LAGPILOT_LAG_HIGH: '5000' }, 12, 5000);
    expect(r).toMatchObject({
      lagHigh: 5000,
      upWindowMs: 25_000,
      upCooldownMs: 15_000,
      downWindowMs: 75_000,
      downCooldownMs: 50_000,
    });
  });

  it('refuses windows too short for the cadence, naming the parameter', () => {
    expect(() => localRules({}, 120, 5000)).toThrow(
      /LAGPILOT_UP_WINDOW ÷ --time-scale 120 = 2.5 s/,
    );
  });
});

describe('traffic profiles', () => {
  it('surge: half a worker, then five workers, then half a worker, over the run', () => {
    const p = loadProfile('surge', 200, 12);
    const total = 100_000;
    expect([0, 19_999, 20_000, 49_999, 50_000, 99_999].map((t) => p.rateAt(t, total))).toEqual([
      100, 100, 1000, 1000, 100, 100,
    ]);
  });

  it('rejects an unknown profile with the choices', () => {
    expect(() => loadProfile('wave', 200, 12)).toThrow(/surge, ramp, steady/);
  });
});
