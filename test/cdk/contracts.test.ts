import { readdirSync, readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../lambda/adapters/state-store.ts';
import { PARAMETERS, parseConfig, parseScalingRules } from '../../lambda/core/config.ts';
import { controlStep } from '../../lambda/core/control-step.ts';
import type { StepReport } from '../../lambda/core/ports.ts';
import type { LagSnapshot, ServiceSnapshot } from '../../lambda/core/types.ts';
import {
  METRIC_UNITS,
  type MetricName,
  metricsOf,
  PowertoolsReporter,
} from '../../lambda/handler/report.ts';
import { LagpilotStack } from '../../lib/lagpilot-stack.ts';
import { consumerSettings } from '../../worker/src/client.ts';
import {
  CloudWatchMetrics,
  WORKER_METRIC_DIMENSION,
  WORKER_METRICS,
} from '../../worker/src/cloudwatch-metrics.ts';
import { loadConfig } from '../../worker/src/config.ts';
import { credentialsFromEnv } from '../../worker/src/kafka-credentials.ts';
import { Stats } from '../../worker/src/stats.ts';
import { testApp, testParameters } from './fixtures.ts';

/**
 * The contracts between the parts, checked on the synthesized template: what the CDK app
 * deploys is what the Lambda and the worker read, what the alarms watch is what the Lambda
 * emits, and what the role allows is what the code calls.
 */

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf';

function synth(context: Record<string, unknown> = {}) {
  const app = testApp(context);
  const stack = new LagpilotStack(app, 'Lagpilot', { parameters: testParameters(app) });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const resource = (construct: { node: { defaultChild?: unknown } }) =>
    template.Resources[stack.getLogicalId(construct.node.defaultChild as never)]!.Properties;
  /** The autoscaler function's environment, as the Lambda will see it. */
  const lambdaEnv = () => {
    const fn = resource(stack.autoscaler.function);
    return resolveAll((fn.Environment as { Variables: Record<string, unknown> }).Variables);
  };
  return { stack, template, resource, lambdaEnv };
}

/**
 * A template value as a plain string: what CloudFormation resolves at deploy (a reference, an
 * attribute) becomes a stable placeholder, so two references to the same thing stay equal.
 */
function resolve(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `ref-${v.Ref}`;
  if (Array.isArray(v['Fn::GetAtt'])) return `att-${(v['Fn::GetAtt'] as string[]).join('-')}`;
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  throw new Error(`no placeholder for ${JSON.stringify(value)}`);
}

const resolveAll = (record: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolve(v)]));

describe('CDK app → autoscaler Lambda: the environment it deploys passes the cold-start parse', () => {
  for (const [variant, context] of [
    ['default parameters', {}],
    [
      'SCRAM over TLS, tuned rules',
      {
        kafkaAuth: 'scram-sha-512',
        kafkaSecretArn: SECRET_ARN,
        kafkaTls: true,
        lagHigh: 50_000,
        upWindow: '3m',
        downStep: 'half',
        dryRun: true,
      },
    ],
  ] as const) {
    it(variant, () => {
      const { stack, lambdaEnv } = synth(context);
      const env = lambdaEnv();
      // A variable the Lambda does not read is a silent typo: every LAGPILOT_* one is known.
      const unknown = Object.keys(env).filter(
        (n) => n.startsWith('LAGPILOT_') && !(n in PARAMETERS),
      );
      expect(unknown).toEqual([]);

      const config = parseConfig(env);
      expect(config.target).toEqual({
        cluster: resolve({ Ref: stack.getLogicalId(stack.cluster.node.defaultChild as never) }),
        service: env.LAGPILOT_SERVICE,
      });
      expect(config.stateTable).toBe(
        resolve({
          Ref: stack.getLogicalId(stack.autoscaler.stateTable.node.defaultChild as never),
        }),
      );
      // What the construct validated at synth is what the Lambda will run with.
      expect(config.rules).toEqual(parseScalingRules(env));
      expect(config.rules.lagHigh).toBe(stack.autoscaler.config.LAGPILOT_LAG_HIGH);
      expect(config.rules.upWindowMs).toBe(stack.autoscaler.config.LAGPILOT_UP_WINDOW);
      expect(config.dryRun).toBe(stack.autoscaler.config.LAGPILOT_DRY_RUN);
      expect(config.kafka.auth).toBe(stack.autoscaler.config.LAGPILOT_KAFKA_AUTH);
      expect(config.kafka.secretArn).toBe(stack.autoscaler.config.LAGPILOT_KAFKA_SECRET_ARN);
    });
  }
});

/** Two steps over fakes that exercise every metric: lag that moves, an action, a history. */
async function stepsEmittingEverything(): Promise<StepReport[]> {
  let clock = 1_000_000_000_000;
  let end = 10_000;
  let committed = 2_000;
  const service: ServiceSnapshot = { desired: 1, running: 1, pending: 0, deploying: false };
  const lag = (): LagSnapshot => ({
    topics: ['t'],
    partitions: [{ topic: 't', partition: 0, committed, end, start: 0, lag: end - committed }],
    partitionCount: 4,
    group: { state: 'Stable', members: service.running },
  });
  const reports: StepReport[] = [];
  const deps = {
    rules: parseScalingRules({ LAGPILOT_MIN_TASKS: '2', LAGPILOT_TASK_CAPACITY: '500' }),
    lag: { observe: async () => lag() },
    metrics: { resources: async (now: number) => [{ at: now, cpu: 50, memory: 60 }] },
    target: {
      describe: async () => ({ ...service }),
      setDesired: async (n: number) => {
        service.desired = n;
      },
    },
    store: new MemoryStateStore(),
    reporter: { report: (r: StepReport) => reports.push(r) },
    dryRun: false,
    now: () => clock,
  };
  await controlStep(deps);
  clock += 60_000;
  end += 6_000;
  committed += 3_000;
  await controlStep(deps);
  // The added tasks run and the group settles: the start is measured, and the next step
  // plans with it (TaskStartSeconds).
  service.running = service.desired;
  for (let i = 0; i < 2; i++) {
    clock += 60_000;
    end += 6_000;
    committed += 6_000;
    await controlStep(deps);
  }
  return reports;
}

/** A metric as an alarm names it. */
interface MetricRef {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

interface Watched {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

type Synthesized = ReturnType<typeof synth>['template'];

/** Every metric an alarm watches, directly or inside a math expression. */
function alarmMetrics(template: Synthesized): Watched[] {
  const watched = (m: MetricRef): Watched => ({
    namespace: m.Namespace!,
    name: m.MetricName!,
    dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, resolve(d.Value)])),
  });
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap((r) => {
      const p = r.Properties as MetricRef & { Metrics?: { MetricStat?: { Metric: MetricRef } }[] };
      const inMath = (p.Metrics ?? []).flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric] : []));
      return (p.MetricName ? [p, ...inMath] : inMath).map(watched);
    });
}

/** Every metric a dashboard graph shows: `[namespace, name, dim, value, …, {options}]`. */
function dashboardMetrics(template: Synthesized): Watched[] {
  const dashboard = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::CloudWatch::Dashboard',
  )!;
  const body = JSON.parse(resolve(dashboard.Properties.DashboardBody)) as {
    widgets: { properties: { metrics?: unknown[][] } }[];
  };
  return body.widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map(([namespace, name, ...rest]) => {
      const pairs = rest.filter((x): x is string => typeof x === 'string');
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      return { namespace: String(namespace), name: String(name), dimensions };
    }),
  );
}

describe('autoscaler Lambda → alarms and dashboard: the metrics they watch are the ones emitted', () => {
  it('every metric in the list is emitted by some step (the list is not stale)', async () => {
    const emitted = new Set(
      (await stepsEmittingEverything()).flatMap(metricsOf).map((m) => m.name),
    );
    expect([...emitted].sort()).toEqual(Object.keys(METRIC_UNITS).sort());
  });

  it('goes out as EMF in the configured namespace with exactly the `service` dimension', async () => {
    const [, second] = await stepsEmittingEverything();
    const metrics = new Metrics({ namespace: 'Lagpilot', serviceName: 'orders-mirror' });
    new PowertoolsReporter(new Logger({ logLevel: 'SILENT' }), metrics).report(second!);
    const emf = metrics.serializeMetrics();
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Lagpilot');
    expect(directive?.Dimensions).toEqual([['service']]);
    expect((emf as unknown as Record<string, unknown>).service).toBe('orders-mirror');
    expect(directive?.Metrics.map((m) => [m.Name, m.Unit])).toEqual(
      metricsOf(second!).map((m) => [m.name, METRIC_UNITS[m.name]]),
    );
  });

  it('the dashboard graphs every metric the Lambda emits (TaskCapacity included)', () => {
    const { template, lambdaEnv } = synth();
    const namespace = lambdaEnv().LAGPILOT_METRICS_NAMESPACE;
    const shown = dashboardMetrics(template).filter(
      (w) => w.namespace === namespace && !(WORKER_METRIC_DIMENSION in w.dimensions),
    );
    expect([...new Set(shown.map((w) => w.name))].sort()).toEqual(Object.keys(METRIC_UNITS).sort());
  });

  it('the alarms and the dashboard reference only emitted metrics, by namespace and service', () => {
    const { template, lambdaEnv } = synth();
    const env = lambdaEnv();
    const watched = [...alarmMetrics(template), ...dashboardMetrics(template)];

    // The worker publishes in the same namespace, under its `group` dimension (next block).
    const isWorkers = (w: Watched) => WORKER_METRIC_DIMENSION in w.dimensions;
    const ours = watched.filter(
      (w) => w.namespace === env.LAGPILOT_METRICS_NAMESPACE && !isWorkers(w),
    );
    // 10 alarms and 6 graphs: most of what they show is the autoscaler's own.
    expect(ours.length).toBeGreaterThan(15);
    for (const w of ours) {
      expect(Object.keys(METRIC_UNITS), w.name).toContain(w.name as MetricName);
      // Powertools sets the `service` dimension from LAGPILOT_SERVICE.
      expect(w.dimensions, w.name).toEqual({ service: env.LAGPILOT_SERVICE });
    }
    // The rest are the service's own ECS metrics and the function's own Lambda metrics.
    const others = watched.filter((w) => !ours.includes(w) && !isWorkers(w));
    expect(new Set(others.map((w) => w.namespace))).toEqual(new Set(['AWS/ECS', 'AWS/Lambda']));
    for (const w of others.filter((o) => o.namespace === 'AWS/Lambda')) {
      expect(['Errors', 'Throttles'], w.name).toContain(w.name);
      expect(Object.keys(w.dimensions), w.name).toEqual(['FunctionName']);
    }
  });
});

describe('worker → DLQ alarm: the alarm watches exactly the series the worker publishes', () => {
  /** What the worker sends with the container environment the stack gives it. */
  async function published(env: Record<string, string>) {
    const sent: PutMetricDataCommandInput[] = [];
    const client = { send: async (c: { input: PutMetricDataCommandInput }) => sent.push(c.input) };
    const stats = new Stats();
    const metrics = new CloudWatchMetrics(stats, {
      namespace: env.MIRROR_METRICS_NAMESPACE!,
      group: env.MIRROR_APPID!,
      intervalMs: 3_600_000,
      client: client as never,
    });
    stats.consumed = 10;
    stats.dlq = 3;
    stats.errors = 3;
    await metrics.stop();
    return sent.flatMap((input) =>
      (input.MetricData ?? []).map((d) => ({
        namespace: input.Namespace,
        name: d.MetricName,
        dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
        value: d.Value,
      })),
    );
  }

  function deadLetterAlarm(template: Synthesized) {
    const [alarm] = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        String(r.Properties.AlarmName).endsWith('-DeadLetters'),
    );
    return alarm!.Properties as unknown as MetricRef & { Statistic: string };
  }

  it.each([
    ['dlq', {}, 'DeadLettered'],
    ['skip', { workerOnError: 'skip' }, 'Errors'],
  ])(
    'onError %s: namespace, metric and dimensions match a real publish',
    async (_, context, metric) => {
      const { template, resource, stack } = synth(context);
      const [container] = resource(stack.worker.taskDefinition).ContainerDefinitions as {
        Environment: { Name: string; Value: unknown }[];
      }[];
      const env = Object.fromEntries(container!.Environment.map((e) => [e.Name, resolve(e.Value)]));
      const alarm = deadLetterAlarm(template);
      const datum = (await published(env)).find((d) => d.name === alarm.MetricName);

      expect(alarm.MetricName).toBe(metric);
      expect(datum, `the worker publishes ${alarm.MetricName}`).toBeDefined();
      expect(datum!.value).toBe(3);
      expect(alarm.Namespace).toBe(datum!.namespace);
      expect(
        Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name, resolve(d.Value)])),
      ).toEqual(datum!.dimensions);
      // Counts per interval from every task: only their sum is the fleet's.
      expect(alarm.Statistic).toBe('Sum');
    },
  );

  it('the dashboard graphs every worker counter, and only those', () => {
    const { template } = synth();
    const shown = dashboardMetrics(template).filter((w) => WORKER_METRIC_DIMENSION in w.dimensions);
    expect(shown.map((w) => w.name).sort()).toEqual(Object.keys(WORKER_METRICS).sort());
  });
});

/** `@aws-sdk/client-<x>` → IAM service prefix. */
const IAM_PREFIX: Record<string, string> = {
  ecs: 'ecs',
  cloudwatch: 'cloudwatch',
  dynamodb: 'dynamodb',
  'secrets-manager': 'secretsmanager',
  sqs: 'sqs',
};

/** The IAM actions of every AWS SDK command the Lambda's code imports (and so sends). */
function actionsTheLambdaSends(): string[] {
  const dir = new URL('../../lambda/', import.meta.url);
  const actions = new Set<string>();
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(new URL(file, dir), 'utf8');
    for (const [, names, client] of source.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g,
    )) {
      for (const name of names!.split(',').map((n) => n.trim())) {
        const command = /^(\w+)Command$/.exec(name);
        if (!command) continue;
        const prefix = IAM_PREFIX[client!];
        if (!prefix) throw new Error(`${file}: no IAM prefix known for @aws-sdk/client-${client}`);
        actions.add(`${prefix}:${command[1]}`);
      }
    }
  }
  return [...actions].sort();
}

/** Every action the autoscaler's role may take, from its inline and attached policies. */
function actionsGranted(context: Record<string, unknown>): string[] {
  const { stack, template } = synth(context);
  const role = stack.getLogicalId(stack.autoscaler.role.node.defaultChild as never);
  type Statement = { Action: string | string[] };
  const statements: Statement[] = [];
  const roleProps = template.Resources[role]!.Properties as {
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
  for (const p of roleProps.Policies ?? []) statements.push(...p.PolicyDocument.Statement);
  for (const r of Object.values(template.Resources)) {
    const p = r.Properties as {
      Roles?: { Ref?: string }[];
      PolicyDocument?: { Statement: Statement[] };
    };
    if (r.Type === 'AWS::IAM::Policy' && p.Roles?.some((x) => x.Ref === role)) {
      statements.push(...p.PolicyDocument!.Statement);
    }
  }
  return [
    ...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))),
  ].sort();
}

/**
 * What the Lambda runtime itself needs, not the code: its logs, ENIs in a VPC, and the step
 * queue's event source mapping, which polls with the function's role.
 */
const RUNTIME =
  /^(logs|ec2):|^sqs:(ReceiveMessage|DeleteMessage|ChangeMessageVisibility|GetQueueAttributes|GetQueueUrl)$/;

describe('autoscaler role → Lambda code: the role allows what the code sends, and nothing else', () => {
  const sent = actionsTheLambdaSends();

  it('finds the SDK commands the code sends', () => {
    expect(sent).toEqual([
      'cloudwatch:GetMetricData',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'ecs:DescribeServices',
      'ecs:UpdateService',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
    ]);
  });

  it('without a Kafka secret: exactly the commands sent, but the secret read', () => {
    const granted = actionsGranted({}).filter((a) => !RUNTIME.test(a));
    expect(granted).toEqual(sent.filter((a) => !a.startsWith('secretsmanager:')));
  });

  it('with a SCRAM secret: also reading that secret', () => {
    const granted = actionsGranted({
      kafkaAuth: 'scram-sha-512',
      kafkaSecretArn: SECRET_ARN,
    }).filter((a) => !RUNTIME.test(a));
    // ISecret.grantRead adds DescribeSecret (metadata only) and, for a customer key, kms:Decrypt.
    expect(granted.filter((a) => a !== 'secretsmanager:DescribeSecret')).toEqual(sent);
  });
});

/**
 * The worker's configuration contract: `MIRROR_<KEY>` for each key of its config file, plus
 * the credentials from the environment (see the worker's config and kafka-credentials modules).
 */
const WORKER_VARIABLES = [
  'MIRROR_CONFIG',
  'MIRROR_APPID',
  'MIRROR_BOOTSTRAP',
  'MIRROR_INPUT',
  'MIRROR_OUTPUT',
  'MIRROR_THREADS',
  'MIRROR_PARTITION',
  'MIRROR_FILTER',
  'MIRROR_TRANSFORM',
  'MIRROR_ON_ERROR',
  'MIRROR_DLQ_TOPIC',
  'MIRROR_MAX_RATE',
  'MIRROR_CONSUMER_PROPERTIES',
  'MIRROR_PRODUCER_PROPERTIES',
  'MIRROR_HTTP_PORT',
  'MIRROR_SHUTDOWN_TIMEOUT',
  'MIRROR_CLIENT',
  'KAFKA_TLS',
  'KAFKA_TLS_CA',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'MIRROR_METRICS_NAMESPACE',
  'AWS_REGION',
  // Node's own: the heap sized from the task memory.
  'NODE_OPTIONS',
];

describe('CDK app → worker container: the environment it sets is what the worker reads', () => {
  const scram = {
    kafkaAuth: 'scram-sha-512',
    kafkaSecretArn: SECRET_ARN,
    kafkaTls: true,
    partitionKey: '/customerId',
    workerTransform: '{"drop":["/internal"]}',
    workerThreads: 8,
    workerMaxRate: 500,
    workerClient: 'platformatic',
  };
  const mskIam = {
    kafkaAuth: 'msk-iam',
    brokers: 'b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
    mskClusterArn:
      'arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2',
  };

  function containerEnv(context: Record<string, unknown>) {
    const { stack, resource } = synth(context);
    const [container] = resource(stack.worker.taskDefinition).ContainerDefinitions as {
      Environment: { Name: string; Value: unknown }[];
      Secrets?: { Name: string }[];
    }[];
    return {
      env: Object.fromEntries(container!.Environment.map((e) => [e.Name, resolve(e.Value)])),
      secrets: (container!.Secrets ?? []).map((s) => s.Name),
    };
  }

  it('uses only variable names the worker reads', () => {
    for (const context of [{}, scram, mskIam]) {
      const { env, secrets } = containerEnv(context);
      for (const name of [...Object.keys(env), ...secrets]) {
        expect(WORKER_VARIABLES, name).toContain(name);
      }
    }
  });

  it('starts the worker where the autoscaler counts lag from (offsetReset)', () => {
    for (const offsetReset of ['earliest', 'latest'] as const) {
      const { env } = containerEnv({ offsetReset });
      const settings = consumerSettings(loadConfig(env));
      expect(settings.fromBeginning, offsetReset).toBe(offsetReset === 'earliest');
      expect(synth({ offsetReset }).lambdaEnv().LAGPILOT_OFFSET_RESET).toBe(offsetReset);
    }
  });

  // The worker's own parser is the judge.
  it('passes the worker’s own config and credentials parse', () => {
    for (const context of [{}, scram, mskIam]) {
      const { env, secrets } = containerEnv(context);
      const withSecrets = {
        ...env,
        ...Object.fromEntries(secrets.map((n) => [n, 'from-secret'])),
      };
      expect(() => loadConfig(withSecrets), JSON.stringify(env)).not.toThrow();
      expect(() => credentialsFromEnv(withSecrets)).not.toThrow();
    }
  });
});
