import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../../kit/params/config-error.ts';
import { compileFilter, FilterSyntaxError } from './filter.ts';
import { compilePointer } from './json-pointer.ts';
import { compileTransform } from './transform.ts';

/**
 * The worker's configuration: a JSON file at MIRROR_CONFIG (optional) whose every top-level
 * key can be overridden by MIRROR_<KEY_IN_UPPER_SNAKE>. Credentials never come from here: see
 * kafka-credentials.ts.
 */
/** A required string whose "missing" message says what to set. */
const required = (hint: string) =>
  z.string({
    error: (iss) => (iss.input === undefined ? `required: ${hint}` : 'must be a string'),
  });
const pointer = z.string().refine((s) => s === '' || s.startsWith('/'), {
  message: 'must be a JSON pointer starting with "/" (e.g. "/userId")',
});
const filterExpr = z.string().superRefine((s, ctx) => {
  try {
    compileFilter(s);
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    ctx.addIssue({
      code: 'custom',
      message: `filter syntax: ${err.message} (see docs/worker.md, "Filter language")`,
    });
  }
});
const topicList = required('the input topic(s), comma-separated').transform((s) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean),
);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** consumer_properties / producer_properties keys the worker understands (Java client names). */
export const CONSUMER_PROPERTIES = [
  'auto.offset.reset',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'rebalance.timeout.ms',
  'max.partition.fetch.bytes',
  'fetch.max.bytes',
  'fetch.max.wait.ms',
] as const;
export const PRODUCER_PROPERTIES = ['compression.type', 'request.timeout.ms'] as const;

function knownKeys(allowed: readonly string[]) {
  return z.record(z.string(), scalar).superRefine((props, ctx) => {
    for (const key of Object.keys(props)) {
      if (!allowed.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unsupported property; supported: ${allowed.join(', ')}`,
        });
      }
    }
  });
}

/**
 * The Kafka client libraries the worker can run (`client` / MIRROR_CLIENT): kafkajs alone,
 * @platformatic/kafka alone, or kafkajs consuming with @platformatic/kafka producing.
 */
export const CLIENTS = ['kafkajs', 'platformatic', 'kafkajs+platformatic'] as const;
export type ClientChoice = (typeof CLIENTS)[number];
/** The fastest pair that passes every test (docs/benchmarks.md, "Client choice"). */
export const DEFAULT_CLIENT: ClientChoice = 'kafkajs+platformatic';

/**
 * The consumer group protocol (`group_protocol` / MIRROR_GROUP_PROTOCOL): `classic` (a scaling
 * action stops every partition), `consumer` (KIP-848, Kafka ≥ 4.0: only the partitions that move
 * stop; client `platformatic` only), or `auto` (`consumer` when the client and the brokers offer it).
 */
export const GROUP_PROTOCOLS = ['classic', 'consumer', 'auto'] as const;
export type GroupProtocol = (typeof GROUP_PROTOCOLS)[number];
/**
 * The consumer protocol where it runs: it passed the chaos test on Kafka 4.1 with the platformatic
 * client (docs/benchmarks.md, "Client choice"); the kafkajs clients are classic whatever this says.
 */
export const DEFAULT_GROUP_PROTOCOL: GroupProtocol = 'auto';

export const ConfigSchema = z
  .object({
    appid: required('the consumer group id, e.g. "orders-mirror"').min(1),
    bootstrap: required('the brokers, e.g. "b-1.msk:9092,b-2.msk:9092"')
      .transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine(
        (l) => l.length > 0 && l.every((b) => /^[^\s:]+:\d+$/.test(b)),
        'each broker must be host:port',
      ),
    input: topicList,
    output: z.string().min(1).optional(),
    routes: z
      .array(z.object({ output: z.string().min(1), when: filterExpr }))
      .min(1)
      .optional(),
    threads: z.number().int().min(1).max(256).default(4),
    partition: pointer.optional(),
    filter: filterExpr.optional(),
    transform: z
      .object({
        pick: z.array(pointer).optional(),
        drop: z.array(pointer).optional(),
        rename: z.record(pointer, pointer).optional(),
        set: z.record(pointer, z.unknown()).optional(),
      })
      .strict()
      .optional(),
    on_error: z.enum(['dlq', 'skip']).default('dlq'),
    dlq_topic: z.string().min(1).optional(),
    max_message_bytes: z.number().int().positive().default(1_000_000),
    max_rate: z.number().positive().optional(),
    consumer_properties: knownKeys(CONSUMER_PROPERTIES).default({}),
    producer_properties: knownKeys(PRODUCER_PROPERTIES).default({}),
    http_port: z.number().int().min(0).max(65535).default(8080),
    shutdown_timeout: z.number().positive().default(30),
    stats_interval: z.number().positive().default(10),
    // CloudWatch namespace of the worker's counters; unset: not published (cloudwatch-metrics.ts).
    metrics_namespace: z.string().min(1).optional(),
    metrics_interval: z.number().positive().default(60),
    client: z.enum(CLIENTS).default(DEFAULT_CLIENT),
    group_protocol: z.enum(GROUP_PROTOCOLS).default(DEFAULT_GROUP_PROTOCOL),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.group_protocol === 'consumer' && c.client !== 'platformatic') {
      ctx.addIssue({
        code: 'custom',
        path: ['group_protocol'],
        message: `"consumer" needs client "platformatic" (kafkajs speaks the classic protocol only): set client "platformatic" (MIRROR_CLIENT) or group_protocol "classic"`,
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** Keys whose environment override is JSON; numbers are parsed as numbers; the rest are strings. */
const JSON_KEYS = new Set(['transform', 'routes', 'consumer_properties', 'producer_properties']);
const NUMBER_KEYS = new Set([
  'threads',
  'max_message_bytes',
  'max_rate',
  'http_port',
  'shutdown_timeout',
  'stats_interval',
  'metrics_interval',
]);

export const envName = (key: string) => `MIRROR_${key.toUpperCase()}`;

function fromEnv(env: NodeJS.ProcessEnv, problems: ConfigIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const raw = env[envName(key)];
    if (raw === undefined || raw === '') continue;
    if (JSON_KEYS.has(key)) {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        problems.push({
          field: key,
          label: `${key} (from ${envName(key)})`,
          message: 'not valid JSON',
        });
      }
    } else if (NUMBER_KEYS.has(key)) {
      const n = Number(raw.replace(/s$/, ''));
      if (Number.isNaN(n))
        problems.push({
          field: key,
          label: `${key} (from ${envName(key)})`,
          message: `"${raw}" is not a number`,
        });
      else out[key] = n;
    } else out[key] = raw;
  }
  return out;
}

/** Reads the file and environment, validates everything, and reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: ConfigIssue[] = [];
  let file: Record<string, unknown> = {};
  if (env.MIRROR_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.MIRROR_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      problems.push({
        field: 'MIRROR_CONFIG',
        label: `MIRROR_CONFIG=${env.MIRROR_CONFIG}`,
        message: (err as Error).message,
      });
    }
  }
  const merged: Record<string, unknown> = { ...file, ...fromEnv(env, problems) };
  for (const key of Object.keys(file)) {
    if (/sasl|password|secret|ssl|tls|credential/i.test(key)) {
      problems.push({
        field: key,
        message:
          'credentials are never read from the config file; use KAFKA_SASL_MECHANISM/USERNAME/PASSWORD and KAFKA_TLS (injected from Secrets Manager)',
      });
    }
  }
  if (!merged.output && !merged.routes)
    problems.push({
      field: 'output',
      message: 'set "output" (target topic) or "routes" (file key "output" or MIRROR_OUTPUT)',
    });
  if ((merged.on_error ?? 'dlq') === 'dlq' && !merged.dlq_topic) {
    problems.push({
      field: 'dlq_topic',
      message:
        'set a dead-letter topic, or on_error "skip" (file key "dlq_topic" or MIRROR_DLQ_TOPIC)',
    });
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.') || '(root)';
      const key = String(issue.path[0] ?? '');
      const where =
        key && key in ConfigSchema.shape ? ` (file key "${key}" or ${envName(key)})` : '';
      problems.push({ field: path, message: `${issue.message}${where}` });
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError('invalid worker configuration', problems);
  }
  // Compiling here means a bad pointer in a transform fails at start, never per message.
  if (parsed.data.transform) compileTransform(parsed.data.transform);
  if (parsed.data.partition) compilePointer(parsed.data.partition);
  return parsed.data;
}
