import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_VERSION, resolveKafkaVersion } from '../../dev/kafka-broker.ts';

describe('resolveKafkaVersion', () => {
  it('defaults to the newest 4.x line, with share groups (4.2+)', () => {
    expect(resolveKafkaVersion(undefined)).toBe(DEFAULT_KAFKA_VERSION);
    expect(resolveKafkaVersion('')).toBe(DEFAULT_KAFKA_VERSION);
    expect(DEFAULT_KAFKA_VERSION).toBe('4.4.0');
  });

  it('maps major aliases to pinned releases', () => {
    expect(resolveKafkaVersion('4')).toBe(DEFAULT_KAFKA_VERSION);
    expect(resolveKafkaVersion('3')).toMatch(/^3\.9\.\d+$/);
    expect(resolveKafkaVersion('4.1')).toBe('4.1.1');
    expect(resolveKafkaVersion('4.0.0')).toBe('4.0.0');
  });

  it('rejects what is not a 3.x/4.x version, naming the variable', () => {
    expect(() => resolveKafkaVersion('2.8.0')).toThrow(/KAFKA_VERSION=2\.8\.0/);
    expect(() => resolveKafkaVersion('latest')).toThrow(/KAFKA_VERSION/);
  });
});
