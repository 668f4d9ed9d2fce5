import { Duration, Token } from 'aws-cdk-lib';
import type { z } from 'zod';
import { durationText } from '../kit/duration.ts';
import type { ConfigError, ConfigIssue } from '../kit/params/config-error.ts';
import {
  AUTOSCALER_PARAMETERS,
  type PARAMETERS,
  PROP_PARAMETERS,
  type PropEnvName,
} from '../lambda/core/index.ts';
import type { ScalingRuleProps } from './scaling-rule-props.ts';

/**
 * How the CDK side writes the autoscaler's `LAGPILOT_*` parameters. The registry in
 * `lambda/core/parameters.ts` is the single source: construct props, `cdk.json` context keys
 * and the README table are all derived from its environment names and docs.
 */

type Parameters = typeof PARAMETERS;

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
export type RuleValueOf<E extends PropEnvName> = RuleValue<Parameters[E]['schema']>;

/** A value as the autoscaler reads it from its environment (`Duration.minutes(5)` → `5m`). */
export function toEnvValue(value: unknown): string {
  if (value instanceof Duration) return durationText(value.toMilliseconds());
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

/** The rule props that were set, as `LAGPILOT_*` environment entries. */
export function ruleEnvironment(rules: ScalingRuleProps): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PROP_PARAMETERS) {
    const value = (rules as Record<string, unknown>)[AUTOSCALER_PARAMETERS.contextKey(name)];
    if (value !== undefined) env[name] = toEnvValue(value);
  }
  return env;
}

/**
 * A ConfigError's issues with each field named by its context key / prop next to the
 * environment variable: `lagHigh (LAGPILOT_LAG_HIGH)="abc": must be a number`.
 */
export function labelled(error: ConfigError): ConfigIssue[] {
  return error.issues.map((issue) =>
    AUTOSCALER_PARAMETERS.has(issue.field)
      ? { ...issue, label: AUTOSCALER_PARAMETERS.label(issue.field) }
      : issue,
  );
}
