/**
 * Wires the Lambda: AWS clients, the Kafka admin client, the adapters and the Powertools
 * middlewares around the control steps of one invocation. Everything here runs once per execution
 * environment (cold start); handler.ts calls it with the process environment.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { sleep } from '../../kit/process.ts';
import {
  CloudWatchMetricsSource,
  connectLagSource,
  DynamoStateStore,
  EcsScalingTarget,
  MinuteMetricsSource,
  RenewingLagSource,
  SqsStepQueue,
} from '../adapters/index.ts';
import {
  type Cause,
  type ControlStepDeps,
  controlStep,
  type Decision,
  explain,
  keepStepping,
  type LagpilotConfig,
  type Millis,
} from '../core/index.ts';
import { PowertoolsReporter } from './report.ts';
import { queueNext, type StepMessage, type StepQueue, stepOf } from './step-chain.ts';
import { runSteps, SCHEDULE_PERIOD_MS } from './step-loop.ts';

/** AWS client settings: region/credentials/endpoint (tests point them at moto). */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface AppOptions {
  aws?: AwsClientConfig;
  /** The clock; tests advance it instead of waiting out the windows. */
  now?: () => number;
  /** How the invocation waits between steps (tests advance their clock instead). */
  sleep?: (ms: Millis) => Promise<void>;
  /** Where the minute's later steps are queued. @default - SQS at LAGPILOT_STEP_QUEUE_URL, if set */
  stepQueue?: StepQueue;
}

/** What one step did (its decision log line has the rest). */
export interface StepSummary {
  action: Decision['action'];
  from: number;
  to: number;
  acted: boolean;
  reasons: string[];
  /** The rule behind the decision, as data (the reasons say it in sentences). */
  cause: Cause;
  errors: number;
}

/** What one invocation returns: its last step, and every step it ran (one per interval). */
export interface InvocationSummary extends StepSummary {
  steps: StepSummary[];
  /** The step queued to run next within the minute (a step queue only). */
  queued?: StepMessage;
}

/** A queued step that ran no step: its message was not one, or came after its minute. */
export interface SkippedInvocation {
  skipped: string;
}

/** The step's collaborators for this configuration. */
export async function createDeps(config: LagpilotConfig, options: AppOptions = {}) {
  const aws = { maxAttempts: 3, ...options.aws };
  const { cluster, service } = config.target;
  const connect = () =>
    connectLagSource(config.kafka, {
      secrets: () => new SecretsManagerClient(aws),
      region: aws.region ?? process.env.AWS_REGION,
      // Scaled to zero, the group may not exist yet, or any more: its lag must still read.
      absentGroupStarts: config.rules.minTasks === 0,
    });
  const lag = new RenewingLagSource(await connect(), connect);
  return {
    lag,
    // One CloudWatch read a minute, whatever the cadence: its datapoints are per minute.
    metrics: new MinuteMetricsSource(
      new CloudWatchMetricsSource(new CloudWatchClient(aws), cluster, service),
    ),
    target: new EcsScalingTarget(new ECSClient(aws), cluster, service),
    store: new DynamoStateStore(
      new DynamoDBClient(aws),
      config.stateTable,
      `${cluster}/${service}`,
    ),
  };
}

const summaryOf = (steps: StepSummary[], queued?: StepMessage): InvocationSummary => ({
  ...steps.at(-1)!,
  steps,
  ...(queued ? { queued } : {}),
});

/** The queue of the minute's later steps, when the stack gave one. */
function stepQueueOf(config: LagpilotConfig, options: AppOptions): StepQueue | undefined {
  if (options.stepQueue) return options.stepQueue;
  if (!config.stepQueueUrl) return undefined;
  return new SqsStepQueue(new SQSClient({ maxAttempts: 3, ...options.aws }), config.stepQueueUrl);
}

/** The middy handler: Powertools context injection and metric flushing around the steps. */
export async function createHandler(config: LagpilotConfig, options: AppOptions = {}) {
  const logger = new Logger({ serviceName: config.target.service });
  // serviceName becomes the one `service` dimension of every metric.
  const metrics = new Metrics({
    namespace: config.metricsNamespace,
    serviceName: config.target.service,
  });
  const deps: ControlStepDeps = {
    rules: config.rules,
    ...(await createDeps(config, options)),
    reporter: new PowertoolsReporter(logger, metrics),
    dryRun: config.dryRun,
    now: options.now ?? Date.now,
  };
  const now = deps.now;
  // Whether the last step found something moving (LAGPILOT_STEP_WHEN).
  let moving = true;
  const step = async (): Promise<StepSummary> => {
    const report = await controlStep(deps);
    moving = keepStepping(config.rules, report.decision);
    const { action, from, to, cause } = report.decision;
    const reasons = explain(report.decision);
    return { action, from, to, acted: report.acted, reasons, cause, errors: report.errors.length };
  };
  const intervalMs = config.rules.stepIntervalMs;
  const queue = stepQueueOf(config, options);

  const invocation = async (
    event: unknown,
    context: Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
  ): Promise<InvocationSummary | SkippedInvocation> => {
    const from = stepOf(event, intervalMs, now());
    if ('skipped' in from) return from;
    // A queued step, or the first of a minute whose later steps are queued: one step here.
    if (queue && (from.at || intervalMs < SCHEDULE_PERIOD_MS)) {
      const at = from.at ?? { minuteStart: now(), due: now() };
      const ran = await step();
      const warn = (text: string) => logger.warn(text);
      const queued = moving ? await queueNext(queue, at, intervalMs, now(), warn) : undefined;
      return summaryOf([ran], queued);
    }
    let ran = 0;
    const { steps, cutShort } = await runSteps(
      async () => {
        // One datapoint per step: the previous step's metrics go out before this one adds its
        // own (logMetrics flushes the last).
        if (ran++ > 0) metrics.publishStoredMetrics();
        return step();
      },
      {
        intervalMs,
        clock: now,
        sleep: options.sleep ?? sleep,
        remainingMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
        continueAfter: () => moving,
      },
    );
    if (cutShort) logger.warn(`invocation cut short: ${cutShort}`);
    return summaryOf(steps);
  };
  return middy(invocation).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
