/**
 * The `lagpilot lag` command line. Each option is one of the Lambda's LAGPILOT_* parameters and
 * falls back to that variable, so an operator can paste the Lambda's environment; both are
 * checked by the autoscaler's own parameter registry, errors naming the option.
 */
import { durationFlag, parseFlags, UsageError } from '../../kit/cli.ts';
import { ConfigError } from '../../kit/params/index.ts';
import {
  type LagpilotConfig,
  parseKafkaConfig,
  parseScalingRules,
  type ScalingRules,
} from '../../lambda/core/index.ts';

/** Option → the Lambda's parameter. */
const OPTIONS = {
  brokers: 'LAGPILOT_BROKERS',
  group: 'LAGPILOT_GROUP_ID',
  topics: 'LAGPILOT_TOPICS',
  auth: 'LAGPILOT_KAFKA_AUTH',
  'secret-arn': 'LAGPILOT_KAFKA_SECRET_ARN',
  tls: 'LAGPILOT_KAFKA_TLS',
  'ca-secret-arn': 'LAGPILOT_KAFKA_CA_SECRET_ARN',
  'offset-reset': 'LAGPILOT_OFFSET_RESET',
  'min-tasks': 'LAGPILOT_MIN_TASKS',
  'max-tasks': 'LAGPILOT_MAX_TASKS',
} as const;

const DEFAULT_SAMPLE_MS = 5_000;

export const LAG_USAGE = `usage: lagpilot lag --brokers <host:port,…> --group <id> --topics <t,…> [options]

What the autoscaler sees for a group of any type (classic, consumer or share): per partition
the log end, the committed offset (a share group's start offset), the lag and its age; the
group's type, state and members; the cap on the task count.

  --brokers <list>        bootstrap brokers, host:port,…
  --group <id>            the group
  --topics <list>         the topics it consumes, comma-separated
  --auth <mode>           none, tls, scram-sha-256, scram-sha-512 or msk-iam (none)
  --secret-arn <arn>      SCRAM: Secrets Manager secret holding {"username","password"}
  --tls                   TLS with auth none or SCRAM
  --ca-secret-arn <arn>   Secrets Manager secret with the PEM bundle of a private CA
  --offset-reset <r>      the group's auto.offset.reset: earliest or latest (earliest)
  --min-tasks <n>         the floor the cap is shown with (1)
  --max-tasks <n>         the ceiling the cap is shown with (12)
  --sample <d>            time between the two reads lag seconds are measured over (${DEFAULT_SAMPLE_MS / 1000}s)
  --json                  one JSON object instead of the table

Each option falls back to its LAGPILOT_* variable (--group: LAGPILOT_GROUP_ID), as the
Lambda reads it. SCRAM secrets and MSK IAM use the AWS credentials and AWS_REGION of the shell.
`;

export interface LagOptions {
  readonly kafka: LagpilotConfig['kafka'];
  readonly rules: ScalingRules;
  readonly sampleMs: number;
  readonly json: boolean;
}

const optionOf = (name: string) => Object.entries(OPTIONS).find(([, env]) => env === name)?.[0];

/** A parameter named as this command's option (and its variable). */
export function asOptions(text: string): string {
  return text.replace(/\bLAGPILOT_[A-Z_]+\b/g, (name) => {
    const option = optionOf(name);
    return option ? `--${option} (${name})` : name;
  });
}

export function parseLagArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LagOptions {
  const values = parseFlags(argv, {
    ...Object.fromEntries(
      Object.keys(OPTIONS).map((o) => [o, { type: o === 'tls' ? 'boolean' : 'string' }] as const),
    ),
    sample: { type: 'string' },
    json: { type: 'boolean' },
  });
  const merged: Record<string, string | undefined> = { ...env };
  for (const [option, name] of Object.entries(OPTIONS)) {
    const value = values[option];
    if (value !== undefined) merged[name] = String(value);
  }
  try {
    return {
      kafka: parseKafkaConfig(merged),
      rules: parseScalingRules(merged),
      sampleMs: durationFlag('sample', values.sample as string | undefined) ?? DEFAULT_SAMPLE_MS,
      json: values.json === true,
    };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(asOptions(error.message));
    throw error;
  }
}
