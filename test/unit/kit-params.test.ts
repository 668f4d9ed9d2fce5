import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXIT_CODE, exitCodeOf } from '../../kit/errors.ts';
import { ConfigError } from '../../kit/params/config-error.ts';
import { defineParameters } from '../../kit/params/registry.ts';
import { duration, wholeNumber } from '../../kit/params/schemas.ts';

const byEnv = defineParameters(
  {
    LAGPILOT_COOL_DOWN: { schema: duration('90s'), duration: true, doc: 'rest between steps' },
    LAGPILOT_MIN_TASKS: { schema: wholeNumber(0).default(1), doc: 'never fewer' },
    LAGPILOT_MAX_TASKS: { schema: wholeNumber(1).default(4), doc: 'never more' },
    LAGPILOT_TABLE_NAME: { schema: z.string().min(1), doc: 'where state lives' },
  },
  {
    keyedBy: 'env',
    heading: 'invalid test configuration',
    checks: [
      (c) =>
        c.LAGPILOT_MIN_TASKS !== undefined &&
        c.LAGPILOT_MAX_TASKS !== undefined &&
        c.LAGPILOT_MIN_TASKS > c.LAGPILOT_MAX_TASKS
          ? { field: 'LAGPILOT_MIN_TASKS', related: ['LAGPILOT_MAX_TASKS'], message: 'above max' }
          : undefined,
    ],
  },
);

const byContext = defineParameters(
  { workerMemory: { schema: wholeNumber(512, 4096).default(1024), doc: 'MiB per task' } },
  { keyedBy: 'context', heading: 'invalid deployment parameters' },
);

function issuesOf(parse: () => unknown) {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('a parameter declared once', () => {
  it('yields its environment variable, context key / prop name, default and doc row', () => {
    expect(byEnv.envName('LAGPILOT_COOL_DOWN')).toBe('LAGPILOT_COOL_DOWN');
    expect(byEnv.contextKey('LAGPILOT_COOL_DOWN')).toBe('coolDown');
    expect(byEnv.defaultOf('LAGPILOT_COOL_DOWN')).toEqual({ value: 90_000 });
    expect(byEnv.docRow('LAGPILOT_COOL_DOWN')).toEqual({
      key: 'coolDown',
      env: 'LAGPILOT_COOL_DOWN',
      fallback: '`90s`',
      doc: 'rest between steps',
    });
    expect(byEnv.docRow('LAGPILOT_TABLE_NAME').fallback).toBe('required');
    expect(byContext.envName('workerMemory')).toBe('LAGPILOT_WORKER_MEMORY');
    expect(byContext.contextKey('workerMemory')).toBe('workerMemory');
    expect(byContext.docRow('workerMemory').fallback).toBe('`1024`');
  });

  it('writes a duration back as the shortest text that parses to it', () => {
    expect(byEnv.isDuration('LAGPILOT_COOL_DOWN')).toBe(true);
    expect(byEnv.isDuration('LAGPILOT_MIN_TASKS')).toBe(false);
    expect(byEnv.textOf('LAGPILOT_COOL_DOWN', 300_000)).toBe('5m');
    expect(byEnv.textOf('LAGPILOT_COOL_DOWN', 1500)).toBe('1500ms');
  });

  it('parses with its default, blank text counting as unset', () => {
    expect(byEnv.parseAll({ LAGPILOT_TABLE_NAME: 't', LAGPILOT_COOL_DOWN: ' ' })).toEqual({
      LAGPILOT_COOL_DOWN: 90_000,
      LAGPILOT_MIN_TASKS: 1,
      LAGPILOT_MAX_TASKS: 4,
      LAGPILOT_TABLE_NAME: 't',
    });
    expect(byEnv.parse(['LAGPILOT_MIN_TASKS'], {})).toEqual({ LAGPILOT_MIN_TASKS: 1 });
  });
});

describe('the registry parser', () => {
  it('reports every bad field at once, structured, with the value given', () => {
    const issues = issuesOf(() =>
      byEnv.parseAll({ LAGPILOT_COOL_DOWN: '2 days', LAGPILOT_MIN_TASKS: '9' }),
    );
    expect(issues).toEqual([
      {
        field: 'LAGPILOT_COOL_DOWN',
        label: 'LAGPILOT_COOL_DOWN',
        value: '2 days',
        message: expect.stringContaining('not a duration'),
      },
      {
        field: 'LAGPILOT_TABLE_NAME',
        label: 'LAGPILOT_TABLE_NAME',
        value: undefined,
        message: 'is required',
      },
      {
        field: 'LAGPILOT_MIN_TASKS',
        label: 'LAGPILOT_MIN_TASKS',
        value: '9',
        message: 'above max',
        related: ['LAGPILOT_MAX_TASKS'],
      },
    ]);
  });

  it('runs a cross-field check only for the fields asked for', () => {
    expect(byEnv.parse(['LAGPILOT_MAX_TASKS'], { LAGPILOT_MIN_TASKS: '9' })).toEqual({
      LAGPILOT_MAX_TASKS: 4,
    });
  });

  it('labels a context-keyed field with both of its names', () => {
    const error = (() => {
      try {
        byContext.parseAll({ workerMemory: '8192' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems).toEqual([
      'workerMemory (LAGPILOT_WORKER_MEMORY)="8192": must be at most 4096',
    ]);
    expect(error?.message).toBe(
      'invalid deployment parameters:\n  - workerMemory (LAGPILOT_WORKER_MEMORY)="8192": must be at most 4096',
    );
  });

  it('throws an error of kind config, which a CLI exits 2 on', () => {
    let caught: unknown;
    try {
      byEnv.parseAll({});
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ kind: 'config', retriable: false });
    expect(exitCodeOf(caught)).toBe(EXIT_CODE.config);
    expect(exitCodeOf(caught)).toBe(2);
  });
});
