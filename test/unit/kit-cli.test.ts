import { describe, expect, it } from 'vitest';
import {
  type CommandIo,
  count,
  durationFlag,
  numberFlag,
  parseFlags,
  runCommand,
  UsageError,
} from '../../kit/cli.ts';
import { LagpilotError } from '../../kit/errors.ts';

class LegacyInputError extends Error {}

function captured(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

const command = {
  name: 'demo',
  usage: 'usage: lagpilot demo [--n <n>]',
  inputErrors: [LegacyInputError],
};

describe('runCommand', () => {
  it('prints the usage for --help or -h and runs nothing (exit 0)', async () => {
    for (const flag of ['--help', '-h']) {
      const io = captured();
      let ran = false;
      const code = await runCommand(
        command,
        ['--n', '1', flag],
        async () => {
          ran = true;
        },
        io,
      );
      expect(code).toBe(0);
      expect(ran).toBe(false);
      expect(io.out).toEqual(['usage: lagpilot demo [--n <n>]\n']);
    }
  });

  it('shows a usage error with the usage after it and exits 2', async () => {
    const io = captured();
    const code = await runCommand(
      command,
      [],
      () => Promise.reject(new UsageError('--n "x": must be a number')),
      io,
    );
    expect(code).toBe(2);
    expect(io.err.join('')).toBe(
      'lagpilot demo: --n "x": must be a number\n\nusage: lagpilot demo [--n <n>]\n',
    );
  });

  it('shows bad input (config, or a listed error class) without the usage, exit 2', async () => {
    for (const error of [
      new LagpilotError('config', 'p.env line 3: bad'),
      new LegacyInputError('p.env line 3: bad'),
    ]) {
      const io = captured();
      expect(await runCommand(command, [], () => Promise.reject(error), io)).toBe(2);
      expect(io.err).toEqual(['lagpilot demo: p.env line 3: bad\n']);
    }
  });

  it('lets every other error through (a crash is not the user’s to fix)', async () => {
    const io = captured();
    const transient = new LagpilotError('transient', 'broker down');
    await expect(runCommand(command, [], () => Promise.reject(transient), io)).rejects.toBe(
      transient,
    );
    await expect(
      runCommand(command, [], () => Promise.reject(new TypeError('bug')), io),
    ).rejects.toThrow('bug');
    expect(io.err).toEqual([]);
  });
});

describe('flags', () => {
  it('rejects an unknown flag or a positional as a usage error naming it', () => {
    expect(() => parseFlags(['--speed', '2'], { n: { type: 'string' } })).toThrow(UsageError);
    expect(() => parseFlags(['--speed', '2'], { n: { type: 'string' } })).toThrow(/--speed/);
    expect(() => parseFlags(['extra'], { n: { type: 'string' } })).toThrow(/extra/);
    expect(parseFlags(['--n', '3'], { n: { type: 'string' } })).toMatchObject({ n: '3' });
  });

  it('reads durations with kit’s parser, naming the flag and the fix', () => {
    expect(durationFlag('cadence', undefined)).toBeUndefined();
    expect(durationFlag('cadence', '1.5s')).toBe(1500);
    expect(durationFlag('cadence', '4m')).toBe(240_000);
    expect(() => durationFlag('cadence', '90')).toThrow(
      /--cadence "90" is not a duration with a known unit: write a number followed by ms, s, m or h/,
    );
    expect(() => durationFlag('cadence', '-5s')).toThrow(/--cadence "-5s" is negative/);
    expect(() => durationFlag('cadence', '0s')).toThrow(/--cadence "0s": must be more than 0/);
  });

  it('reads plain decimal numbers only, checked', () => {
    expect(numberFlag('max', '1.2e1', count, 'a whole number ≥ 1')).toBe(12);
    for (const bad of ['0x10', 'Infinity', '', '0', '2.5']) {
      expect(() => numberFlag('max', bad, count, 'a whole number ≥ 1')).toThrow(
        `--max "${bad}": must be a whole number ≥ 1`,
      );
    }
  });
});
