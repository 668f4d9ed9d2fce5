import { describe, expect, it } from 'vitest';
import { UsageError } from '../../kit/cli.ts';
import { parseScalingRules } from '../../lambda/core/config.ts';
import { liveLine, type StepRow } from '../../local/live-line.ts';
import { localRules } from '../../local/rules.ts';
import { parseStartArgs } from '../../local/start-args.ts';
import { loadProfile } from '../../local/traffic-profile.ts';

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
    expect(() => parseStartArgs(argv)).toThrow(UsageError);
    expect(() => parseStartArgs(argv)).toThrow(message);
  });
});

describe('local rules', () => {
  it('divides windows and cooldowns by the time scale, steps at the cadence, nothing else', () => {
    const env = {
      LAGPILOT_LAG_HIGH: '5000',
      LAGPILOT_UP_WINDOW: '5m',
      LAGPILOT_DOWN_WINDOW: '15m',
    };
    const aws = parseScalingRules(env);
    const r = localRules(env, 12, 5000);
    expect(r).toEqual({
      ...aws,
      upWindowMs: 25_000,
      upCooldownMs: aws.upCooldownMs / 12,
      downWindowMs: 75_000,
      downCooldownMs: aws.downCooldownMs / 12,
      taskStartMs: aws.taskStartMs / 12,
      stepIntervalMs: 5000,
    });
  });

  it('judges windows at the local cadence, not the Lambda step (a 4.5 s window at 1.5 s steps)', () => {
    const env = { LAGPILOT_UP_WINDOW: '4.5s' };
    expect(() => parseScalingRules(env)).toThrow(/LAGPILOT_UP_WINDOW.*shorter than one step/);
    expect(localRules(env, 1, 1500)).toMatchObject({ upWindowMs: 4500, stepIntervalMs: 1500 });
  });

  it('refuses windows shorter than one step, naming the parameter', () => {
    expect(() => localRules({ LAGPILOT_UP_WINDOW: '1m' }, 120, 5000)).toThrow(
      /LAGPILOT_UP_WINDOW ÷ --time-scale 120 = 500 ms is shorter than one step \(--cadence 5s\)/,
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

  it('spiky: a third of a worker with two sudden 10× jumps', () => {
    const p = loadProfile('spiky', 300, 12);
    const total = 100_000;
    const at = [0, 19_999, 20_000, 34_999, 35_000, 60_000, 74_999, 75_000];
    expect(at.map((t) => Math.round(p.rateAt(t, total)))).toEqual([
      100, 100, 1000, 1000, 100, 1000, 1000, 100,
    ]);
  });

  it('rejects an unknown profile with the choices', () => {
    expect(() => loadProfile('wave', 200, 12)).toThrow(/surge, ramp, steady, spiky/);
  });
});

describe('the live line', () => {
  const row: StepRow = {
    t: 42.5,
    at: '2026-01-02T03:04:47.500Z',
    targetRate: 1000,
    produceRate: 1000,
    consumeRate: 300,
    totalLag: 21_000,
    lagSeconds: 12.5,
    desired: 4,
    running: 1,
    cpu: 99,
    memory: 40,
    action: 'up',
    acted: true,
    from: 1,
    to: 4,
    reason: 'scale 1→4: need 3.3 tasks',
    cause: { rule: 'up', signals: [], step: { kind: 'sized' } },
    errors: [],
  };

  it('prints how soon a scale-up followed the backlog, and nothing of it otherwise', () => {
    expect(liveLine({ ...row, reactionS: 5 })).toMatch(
      /▲ scale 1→4: need 3\.3 tasks {2}\(reacted 5 s after the backlog showed\)$/,
    );
    expect(liveLine(row)).toMatch(/▲ scale 1→4: need 3\.3 tasks$/);
  });
});
