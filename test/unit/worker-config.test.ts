import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../kit/params/config-error.ts';
import { loadConfig } from '../../worker/src/config.ts';

const minimal = {
  MIRROR_APPID: 'g',
  MIRROR_BOOTSTRAP: 'b1:9092, b2:9092',
  MIRROR_INPUT: 'in',
  MIRROR_OUTPUT: 'out',
  MIRROR_DLQ_TOPIC: 'dlq',
};

function problems(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('worker config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({
      appid: 'g',
      bootstrap: ['b1:9092', 'b2:9092'],
      input: ['in'],
      threads: 4,
      on_error: 'dlq',
      max_message_bytes: 1_000_000,
      http_port: 8080,
      shutdown_timeout: 30,
      client: 'kafkajs+platformatic',
      group_protocol: 'auto',
      consumer_properties: {},
    });
    expect(c.max_rate).toBeUndefined();
  });

  it('reads a JSON file and lets MIRROR_* override any key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
    const file = join(dir, 'mirror.json');
    writeFileSync(
      file,
      JSON.stringify({
        appid: 'from-file',
        bootstrap: 'k:9092',
        input: 'a,b',
        output: 'out',
        on_error: 'skip',
        threads: 2,
        partition: '/userId',
        transform: { drop: ['/pad'] },
        consumer_properties: { 'session.timeout.ms': 45000 },
      }),
    );
    const c = loadConfig({
      MIRROR_CONFIG: file,
      MIRROR_THREADS: '8',
      MIRROR_TRANSFORM: '{"set":{"/v":1}}',
      MIRROR_SHUTDOWN_TIMEOUT: '20s',
    });
    expect(c.appid).toBe('from-file');
    expect(c.input).toEqual(['a', 'b']);
    expect(c.threads).toBe(8);
    expect(c.transform).toEqual({ set: { '/v': 1 } });
    expect(c.shutdown_timeout).toBe(20);
    expect(c.consumer_properties).toEqual({ 'session.timeout.ms': 45000 });
  });

  it('lists every bad field with its fix at once', () => {
    const p = problems({
      MIRROR_APPID: 'g',
      MIRROR_INPUT: 'in',
      MIRROR_THREADS: 'many',
      MIRROR_ON_ERROR: 'drop',
      MIRROR_FILTER: '/type ==',
      MIRROR_PARTITION: 'userId',
      MIRROR_CONSUMER_PROPERTIES: '{"enable.auto.commit": true}',
      MIRROR_TRANSFORM: '{not json',
    });
    const text = p.join('\n');
    expect(text).toContain('threads (from MIRROR_THREADS): "many" is not a number');
    expect(text).toContain('transform (from MIRROR_TRANSFORM): not valid JSON');
    expect(text).toMatch(/bootstrap: required: the brokers, e\.g\. .*MIRROR_BOOTSTRAP/);
    expect(text).toMatch(/on_error: .*"dlq".*"skip"/);
    expect(text).toMatch(
      /filter: filter syntax: expected a string, number, true, false or null .* at position 9/,
    );
    expect(text).toMatch(/partition: must be a JSON pointer starting with "\/"/);
    expect(text).toMatch(
      /consumer_properties\.enable\.auto\.commit: unsupported property; supported: auto\.offset\.reset/,
    );
    expect(text).toMatch(/output: set "output" \(target topic\) or "routes"/);
  });

  it('requires a dead-letter topic unless bad records are skipped', () => {
    const { MIRROR_DLQ_TOPIC: _, ...noDlq } = minimal;
    expect(problems(noDlq).join()).toMatch(
      /dlq_topic: set a dead-letter topic, or on_error "skip"/,
    );
    expect(loadConfig({ ...noDlq, MIRROR_ON_ERROR: 'skip' }).on_error).toBe('skip');
  });

  it('rejects unknown keys in the file (typos fail fast)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
    const file = join(dir, 'mirror.json');
    writeFileSync(file, JSON.stringify({ threds: 3 }));
    expect(problems({ ...minimal, MIRROR_CONFIG: file }).join()).toMatch(/threds/);
  });

  it('names an unreadable config file', () => {
    expect(problems({ ...minimal, MIRROR_CONFIG: '/nonexistent/mirror.json' }).join()).toContain(
      'MIRROR_CONFIG=/nonexistent/mirror.json',
    );
  });

  it('validates route predicates and broker addresses', () => {
    const p = problems({
      ...minimal,
      MIRROR_BOOTSTRAP: 'localhost',
      MIRROR_ROUTES: '[{"output":"x","when":"/a >"}]',
    });
    expect(p.join('\n')).toMatch(/bootstrap: each broker must be host:port/);
    expect(p.join('\n')).toMatch(/routes\.0\.when: filter syntax/);
  });

  it('refuses credentials in the config file, pointing to the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-config-'));
    const file = join(dir, 'mirror.json');
    writeFileSync(file, JSON.stringify({ sasl_password: 'hunter2' }));
    const text = problems({ ...minimal, MIRROR_CONFIG: file }).join('\n');
    expect(text).toContain(
      'sasl_password: credentials are never read from the config file; use KAFKA_SASL_MECHANISM',
    );
    expect(text).not.toContain('hunter2');
  });

  it('refuses the consumer group protocol for a kafkajs consumer, naming the field and the fix', () => {
    const found = problems({ ...minimal, MIRROR_GROUP_PROTOCOL: 'consumer' });
    expect(found).toEqual([
      expect.stringMatching(
        /^group_protocol: "consumer" needs client "platformatic".*MIRROR_GROUP_PROTOCOL/,
      ),
    ]);
    expect(
      loadConfig({ ...minimal, MIRROR_CLIENT: 'platformatic', MIRROR_GROUP_PROTOCOL: 'consumer' })
        .group_protocol,
    ).toBe('consumer');
    expect(loadConfig({ ...minimal, MIRROR_GROUP_PROTOCOL: 'auto' }).group_protocol).toBe('auto');
    expect(problems({ ...minimal, MIRROR_GROUP_PROTOCOL: 'eager' })[0]).toMatch(
      /^group_protocol: /,
    );
  });
});
