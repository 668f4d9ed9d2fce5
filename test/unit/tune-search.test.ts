import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScalingRules } from '../../lambda/core/index.ts';
import { parseParamsText } from '../../sim/params-file.ts';
import type { Trace } from '../../sim/trace.ts';
import { parseTuneArgs } from '../../tune/args.ts';
import { splitHistory, TUNE_SHARE, type TuneIo, tune, tuneCommand } from '../../tune/index.ts';
import { setupOf } from '../../tune/setup.ts';

/** A day at 5-minute samples: `older` msg/s for the first two thirds, `newest` after. */
function twoLevels(older: number, newest: number, samples = 288): Trace {
  const cut = Math.floor(samples * TUNE_SHARE);
  return {
    name: 'two-levels',
    description: 'two levels',
    intervalS: 300,
    rates: Array.from({ length: samples }, (_, i) => (i < cut ? older : newest)),
  };
}

const history = (trace: Trace) => ({
  source: trace.name,
  trace,
  gaps: [],
  resolutions: [],
  facts: {},
});

function setupFor(trace: Trace, argv: string[] = []) {
  const options = parseTuneArgs(['--history', 'unused.csv', ...argv]);
  return setupOf(options, history(trace), undefined, () => {}).setup;
}

// Each tune runs a dozen simulations of a day: seconds, not milliseconds.
const SLOW = { timeout: 120_000 };

describe('lagpilot tune: the held-out split', SLOW, () => {
  it('tunes on the older two thirds and holds out the newest third, each replayed with its own samples only', () => {
    const split = splitHistory(twoLevels(2_000, 9_000), 1);
    expect(split.atS).toBe(192 * 300);
    // Noise within a sample keeps its mean and never exceeds the trace's peak: the parts do not mix.
    expect(Math.max(...split.tune.rates)).toBeLessThanOrEqual(2_000);
    expect(Math.min(...split.held.rates)).toBeGreaterThan(2_000);
    expect(split.tune.rates.length * split.tune.intervalS).toBe(192 * 300);
    expect(split.held.rates.length * split.held.intervalS).toBe(96 * 300);
  });

  it('chooses on the older part alone: a surge only in the newest third shows up in the check, not in the choice', async () => {
    // 12 partitions × 1,000 msg/s carry 12,000: the newest third's 14,000 cannot be kept.
    const result = await tune(setupFor(twoLevels(3_000, 14_000)));
    expect(result.chosen).toBeDefined();
    expect(result.chosen!.score.sloAttainment).toBeGreaterThanOrEqual(99.9);
    expect(result.reach).toBeUndefined();
    expect(result.heldOut!.recommended.sloAttainment).toBeLessThan(99.9);
    expect(result.heldOut!.defaults.sloAttainment).toBeLessThan(99.9);
  });
});

describe('lagpilot tune: a target beyond the fleet reach', SLOW, () => {
  it('recommends nothing and names the fleet change that would reach it', async () => {
    const result = await tune(setupFor(twoLevels(15_000, 15_000)));
    expect(result.chosen).toBeUndefined();
    expect(result.recommended).toBeUndefined();
    expect(result.reach!.feasibility.feasible).toBe(false);
    const more = result.reach!.changes.find((c) => c.change.startsWith('24 partitions'));
    expect(more?.reaches).toBe(true);
    expect(result.reach!.changes.find((c) => c.change.startsWith('a task start'))?.reaches).toBe(
      false,
    );
  });

  it('says so on the command line and writes no params file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tune-'));
    const csv = join(dir, 'flat.csv');
    writeFileSync(
      csv,
      Array.from({ length: 288 }, (_, i) => `${1_700_000_000 + i * 300},15000`).join('\n'),
    );
    let out = '';
    const io: TuneIo = { out: (t) => (out += t), progress: () => {} };
    const argv = [
      '--history',
      csv,
      '--out',
      join(dir, 'params.env'),
      '--chart',
      join(dir, 'c.svg'),
    ];
    expect(await tuneCommand(argv, io)).toBe(0);
    expect(out).toContain('No set reached 99.9 % on the older part: none is recommended');
    expect(out).toMatch(/✓ 24 partitions and LAGPILOT_MAX_TASKS=24/);
    expect(out).not.toContain('Recommended:');
    expect(() => readFileSync(join(dir, 'params.env'))).toThrow();
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toContain('<svg');
  });
});

describe('lagpilot tune: the command line', SLOW, () => {
  it('writes a params file that simulate --params and the rules parser read back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tune-'));
    const out = join(dir, 'params.env');
    const io: TuneIo = { out: () => {}, progress: () => {} };
    // Four days of a real trace: the older 2.7 tuned on, the newest 1.3 checked.
    const lines = readFileSync('sim/traces-real/tweets-fb.csv', 'utf8').split('\n');
    const csv = join(dir, 'fb.csv');
    writeFileSync(csv, lines.slice(0, 2 + 4 * 288).join('\n'));
    const argv = ['--history', csv, '--slo-seconds', '60', '--attainment', '99.9', '--out', out];
    expect(
      await tuneCommand([...argv, '--json', '--chart', join(dir, 'c.svg')], {
        ...io,
        out: (t) => writeFileSync(join(dir, 'result.json'), t),
      }),
    ).toBe(0);
    const env = parseParamsText(readFileSync(out, 'utf8'), out);
    const rules = parseScalingRules(env);
    expect(rules.lagSloMs).toBe(60_000);
    // The target, or the floor's attainment knob moved by the search (twice or half the budget).
    expect([99.9, 99.8, 99.95]).toContain(rules.sloAttainment);
    const json = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(json.split.tune).toBe('fb (older 2/3)');
    // The recommendation on the newest third: never dominated by the defaults there.
    if (json.heldOut.fellBack) expect(json.recommended.setting).toBe('defaults');
    else expect(json.heldOut.dominated).toBe(false);
    expect(json.recommended.env).toEqual(env);
  });

  it('refuses two history sources, naming both options (exit 2)', async () => {
    const io: TuneIo = { out: () => {}, progress: () => {} };
    expect(await tuneCommand(['--history', 'a.csv', '--service', 'orders'], io)).toBe(2);
  });
});
