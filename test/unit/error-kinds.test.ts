import { spawnSync } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, LagpilotError } from '../../kit/errors.ts';
import { ConfigError } from '../../kit/params/config-error.ts';
import { KafkaLagSource } from '../../lambda/adapters/lag-source.ts';
import {
  BrokerUnreachableError,
  GroupNotFoundError,
  KafkaError,
  ServiceNotFoundError,
  StateConflictError,
  TopicNotFoundError,
} from '../../lambda/core/errors.ts';
import { ParamsError } from '../../sim/params-file.ts';
import { credentialsFromEnv } from '../../worker/src/kafka-credentials.ts';

describe("the autoscaler's errors", () => {
  it.each([
    [new TopicNotFoundError(['orders']), 'config', false],
    [new GroupNotFoundError('mirror'), 'config', false],
    [new ServiceNotFoundError('c', 's', 'MISSING'), 'config', false],
    [new BrokerUnreachableError(['b:9092'], new Error('down')), 'transient', true],
    [new KafkaError(new Error('boom')), 'transient', true],
    [new StateConflictError('mirror'), 'transient', true],
  ])('%s is of kind %s (retriable: %s)', (error, kind, retriable) => {
    expect(error).toBeInstanceOf(LagpilotError);
    expect(error).toMatchObject({ kind, retriable });
  });
});

describe('KafkaLagSource classifies failures by their type, not their message', () => {
  const failingWith = (error: Error) =>
    new KafkaLagSource(
      { admin: () => ({ connect: () => Promise.reject(error) }) } as unknown as Kafka,
      {
        groupId: 'g',
        topics: ['t'],
        offsetReset: 'earliest',
        brokers: ['b:9092'],
      },
    );
  const socketError = (code: string) => Object.assign(new Error('socket closed'), { code });

  it('connects again at the next step after a refused connect, not failing for good', async () => {
    let connects = 0;
    const refused = Object.assign(new Error('SASL authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const source = new KafkaLagSource(
      {
        admin: () => ({
          connect: () => {
            connects++;
            return Promise.reject(refused);
          },
        }),
      } as unknown as Kafka,
      { groupId: 'g', topics: ['t'], offsetReset: 'earliest', brokers: ['b:9092'] },
    );
    await expect(source.observe()).rejects.toThrow();
    await expect(source.observe()).rejects.toThrow();
    expect(connects).toBe(2);
  });

  it.each([
    [
      'a socket error code on a wrapped cause',
      new Error('wrapped', { cause: socketError('ECONNREFUSED') }),
    ],
    [
      'a kafkajs connection error by name',
      Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }),
    ],
    [
      'a connection error behind the retries',
      Object.assign(new Error('retries exceeded'), {
        originalError: Object.assign(new Error('y'), { name: 'KafkaJSBrokerNotFound' }),
      }),
    ],
  ])('%s: the brokers are unreachable', async (_, error) => {
    await expect(failingWith(error).observe()).rejects.toBeInstanceOf(BrokerUnreachableError);
  });

  it('a message that merely mentions a connection is a Kafka error, not an unreachable broker', async () => {
    const error = new Error('Connection error: ECONNREFUSED in a topic name');
    await expect(failingWith(error).observe()).rejects.toBeInstanceOf(KafkaError);
  });
});

describe("the worker's credentials settings", () => {
  it.each([
    [{ KAFKA_SASL_MECHANISM: 'kerberos' }, 'KAFKA_SASL_MECHANISM'],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME'],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD'],
    [{ KAFKA_SASL_MECHANISM: 'aws-msk-iam' }, 'AWS_REGION'],
  ])('%o is a config error naming %s, so the worker exits 2', (env, field) => {
    let caught: unknown;
    try {
      credentialsFromEnv(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => i.field)).toEqual([field]);
    expect(exitCodeOf(caught)).toBe(2);
  });

  it('never echoes a password', () => {
    expect(() =>
      credentialsFromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('exit codes', () => {
  it('maps a kind to its code: 2 for what the user must fix, 1 for the rest', () => {
    expect(exitCodeOf(new ParamsError('bad line'))).toBe(2);
    expect(exitCodeOf(new ConfigError('bad', []))).toBe(2);
    expect(exitCodeOf(new TopicNotFoundError(['t']))).toBe(2);
    expect(exitCodeOf(new KafkaError(new Error('x')))).toBe(1);
    expect(exitCodeOf(new Error('anything else'))).toBe(1);
  });

  const lagpilot = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/lagpilot.ts', ...args], {
      encoding: 'utf8',
    });

  it('lagpilot exits 2 on an unknown command and on a params file it cannot read', () => {
    expect(lagpilot('simulat').status).toBe(2);
    const run = lagpilot('simulate', '--params', '/nonexistent/lagpilot.env');
    expect(run.stderr).toContain('/nonexistent/lagpilot.env');
    expect(run.status).toBe(2);
  }, 60_000);
});
