import { Duration, Token } from 'aws-cdk-lib';
import type { z } from 'zod';
import { type ConfigError, PARAMETERS } from '../autoscaler/core/config.ts';
import type { ScalingRuleProps } from './scaling-rule-props.ts';

/**
 * How the CDK side names and writes the autoscaler's `LAGPILOT_*` parameters. The schema in
 * `autoscaler/core/config.ts` is the single source: construct props, `cdk.json` context keys and the
 * README table are all derived from its environment names and docs.
 */

type Parameters = typeof PARAMETERS;

/** An autoscaler environment parameter name, e.g. `LAGPILOT_LAG_HIGH`. */
export type EnvName = keyof Parameters & string;

export const ENV_PREFIX = 'LAGPILOT_';

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<Camel<Tail>>}`
  : Lowercase<S>;

/** `LAGPILOT_LAG_HIGH` → `lagHigh`: the `cdk.json` context key and construct prop name. */
export type ContextKey<E extends string> = E extends `${typeof ENV_PREFIX}${infer Rest}`
  ? Camel<Rest>
  : never;

export function contextKeyOf<E extends string>(envName: E): ContextKey<E> {
  if (!envName.startsWith(ENV_PREFIX)) throw new Error(`${envName} lacks the ${ENV_PREFIX} prefix`);
  return envName
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as ContextKey<E>;
}

/** `lagHigh` → `LAGPILOT_LAG_HIGH`. */
export function envNameOf(contextKey: string): string {
  return ENV_PREFIX + contextKey.replace(/([A-Z])/g, '_$1').toUpperCase();
}

/**
 * Parameters the autoscaler construct sets itself from its other props (the service, the Kafka
 * connection, its own table and namespace); every other parameter is a scaling rule.
 */
export const WIRED_PARAMETERS = [
  'LAGPILOT_BROKERS',
  'LAGPILOT_GROUP_ID',
  'LAGPILOT_TOPICS',
  'LAGPILOT_CLUSTER',
  'LAGPILOT_SERVICE',
  'LAGPILOT_KAFKA_AUTH',
  'LAGPILOT_KAFKA_SECRET_ARN',
  'LAGPILOT_KAFKA_TLS',
  'LAGPILOT_METRICS_NAMESPACE',
  'LAGPILOT_STATE_TABLE',
] as const;

/** A scaling-rule parameter: thresholds, windows, steps, cooldowns, bounds, dry-run. */
export type RuleEnvName = Exclude<EnvName, (typeof WIRED_PARAMETERS)[number]>;

export const RULE_PARAMETERS = (Object.keys(PARAMETERS) as EnvName[]).filter(
  (name): name is RuleEnvName => !(WIRED_PARAMETERS as readonly string[]).includes(name),
);

/**
 * The prop type of one rule: durations as CDK `Duration`, numbers, booleans and enums as
 * themselves (what the schema outputs), so a prop can't carry a unit typo.
 */
type RuleValue<S extends z.ZodType> =
  z.output<S> extends boolean
    ? boolean
    : z.output<S> extends number
      ? unknown extends z.input<S>
        ? number
        : Duration
      : z.output<S>;

/** The prop type of the rule `E` (`RuleValueOf<'LAGPILOT_UP_WINDOW'>` is `Duration`). */
export type RuleValueOf<E extends RuleEnvName> = RuleValue<Parameters[E]['schema']>;

const UNITS: ReadonlyArray<[string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A value as the autoscaler reads it from its environment (`Duration.minutes(5)` → `5m`). */
export function toEnvValue(value: unknown): string {
  if (value instanceof Duration) {
    const ms = value.toMilliseconds();
    const unit = UNITS.find(([, size]) => ms >= size && ms % size === 0);
    return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
  }
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/**
 * Plausible values for parameters whose real value only CloudFormation knows at synth (a
 * token: the table's name, the service's name, a secret's ARN), so the schema checks the rest.
 */
const STAND_INS: Readonly<Record<string, string>> = {
  LAGPILOT_BROKERS: 'broker.resolved-at-deploy:9092',
  LAGPILOT_CLUSTER: 'cluster-resolved-at-deploy',
  LAGPILOT_SERVICE: 'service-resolved-at-deploy',
  LAGPILOT_STATE_TABLE: 'table-resolved-at-deploy',
  LAGPILOT_KAFKA_SECRET_ARN:
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:resolved-at-deploy-AbCdEf',
};

/** A stand-in for `name` (see above); any value for a parameter without one. */
export function standIn(name: string): string {
  return STAND_INS[name] ?? 'resolved-at-deploy';
}

/** `env` with each unresolved token replaced by its stand-in, ready for the schema. */
export function forValidation(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      Token.isUnresolved(value) ? standIn(name) : value,
    ]),
  );
}

/** A duration parameter: its schema reads `1m` as a number (ms), which no other schema does. */
export function isDurationParameter(name: EnvName): boolean {
  const parsed = PARAMETERS[name].schema.safeParse('1m');
  return parsed.success && parsed.data === 60_000;
}

/** The rule props that were set, as `LAGPILOT_*` environment entries. */
export function ruleEnvironment(rules: ScalingRuleProps): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of RULE_PARAMETERS) {
    const value = (rules as Record<string, unknown>)[contextKeyOf(name)];
    if (value !== undefined) env[name] = toEnvValue(value);
  }
  return env;
}

/**
 * A ConfigError's problems with each field named by its context key / prop next to the
 * environment variable: `lagHigh (LAGPILOT_LAG_HIGH)="abc": must be a number`.
 */
export function labelProblems(error: ConfigError): string[] {
  return error.problems.map((problem) =>
    problem.replace(/^(LAGPILOT_[A-Z0-9_]+)/, (name) => `${contextKeyOf(name)} (${name})`),
  );
}

/** An error listing `problems` under `heading`, one per line. */
export function problemsError(heading: string, problems: readonly string[]): Error {
  return new Error(`${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
