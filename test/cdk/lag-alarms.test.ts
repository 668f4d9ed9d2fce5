import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LagAlarms, type LagAlarmsProps } from '../../lib/lag-alarms.ts';
import { LagAutoscaler } from '../../lib/lag-autoscaler.ts';
import { LagDashboard } from '../../lib/lag-dashboard.ts';
import { nagFindings, testApp } from './fixtures.ts';

function alarmsFor(
  props: Partial<LagAlarmsProps> = {},
  target = { clusterName: 'prod', serviceName: 'orders-mirror' },
) {
  const stack = new Stack(testApp(), 'Alarms');
  const autoscaler = new LagAutoscaler(stack, 'Autoscaler', {
    ...target,
    kafka: { brokers: ['b:9092'] },
    groupId: 'g',
    topics: ['orders'],
    lagHigh: 25_000,
    cpuHigh: 97,
  });
  const alarms = new LagAlarms(stack, 'Alarms', { autoscaler, ...props });
  const dashboard = new LagDashboard(stack, 'Dashboard', { autoscaler, alarms });
  return { stack, alarms, dashboard, template: Template.fromStack(stack) };
}

const SERVICE_DIMENSION = [{ Name: 'service', Value: 'orders-mirror' }];

describe('LagAlarms', () => {
  const { stack, alarms, template } = alarmsFor({
    lagSecondsSlo: Duration.minutes(2),
    alarmEmail: 'oncall@example.com',
  });

  function alarmProps(alarm: keyof typeof alarms.alarms) {
    const id = stack.getLogicalId(alarms.alarms[alarm]!.node.defaultChild as never);
    return template.toJSON().Resources[id].Properties;
  }

  it('alarms on lag above the scale-up threshold for 15 minutes', () => {
    expect(alarmProps('lagHigh')).toMatchObject({
      Namespace: 'Lagpilot',
      MetricName: 'TotalLag',
      Dimensions: SERVICE_DIMENSION,
      Threshold: 25_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 60,
      EvaluationPeriods: 15,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when lag above a floor (default: the lag threshold) grows while the service sits at its cap', () => {
    const props = alarmProps('lagGrowingAtCap');
    expect(props.Metrics[0]).toMatchObject({
      Expression: 'IF(desired >= cap AND RATE(lag) > 0 AND lag > 25000, 1, 0)',
      ReturnData: true,
    });
    const byId = Object.fromEntries(
      props.Metrics.slice(1).map((m: { Id: string; MetricStat: unknown }) => [m.Id, m.MetricStat]),
    );
    expect(byId.desired).toMatchObject({ Metric: { MetricName: 'DesiredTasks' }, Stat: 'Maximum' });
    expect(byId.cap).toMatchObject({ Metric: { MetricName: 'TaskCap' }, Stat: 'Minimum' });
    expect(byId.lag).toMatchObject({ Metric: { MetricName: 'TotalLag', Namespace: 'Lagpilot' } });
    expect(props).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
    });
    expect(props.AlarmDescription).toMatch(/add partitions or raise LAGPILOT_MAX_TASKS/i);
  });

  it('alarms when lag in seconds breaks the SLO', () => {
    expect(alarmProps('lagSecondsSlo')).toMatchObject({
      MetricName: 'LagSeconds',
      Statistic: 'Maximum',
      Threshold: 120,
      EvaluationPeriods: 5,
    });
  });

  it('alarms on autoscaler errors in 3 of 5 minutes', () => {
    expect(alarmProps('autoscalerErrors')).toMatchObject({
      MetricName: 'Errors',
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
  });

  it('reports a silent autoscaler as INSUFFICIENT_DATA, notified, so a fresh deploy does not page', () => {
    const props = alarmProps('autoscalerSilent');
    expect(props).toMatchObject({
      MetricName: 'TotalLag',
      Statistic: 'SampleCount',
      Period: 300,
      EvaluationPeriods: 2,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      // Breaching on missing data would put a brand-new alarm in ALARM before the first step.
      TreatMissingData: 'missing',
    });
    expect(props.InsufficientDataActions).toEqual(props.AlarmActions);
    expect(props.InsufficientDataActions).toHaveLength(1);
  });

  it('names every alarm <stack>-<alarm>', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.AlarmName,
    );
    expect(names.sort()).toEqual(
      [
        'AutoscalerErrors',
        'AutoscalerSilent',
        'CpuHigh',
        'ErrorBudgetFastBurn',
        'ErrorBudgetSlowBurn',
        'FunctionErrors',
        'FunctionThrottles',
        'LagGrowingAtCap',
        'LagHigh',
        'LagSecondsSlo',
        'MemoryHigh',
        'StalledPartitions',
        'TasksNotRunning',
      ].map((n) => `Alarms-${n}`),
    );
  });

  it('alarms when the error budget burns 14.4× over an hour or 6× over six hours', () => {
    const burn = (id: string) => {
      const [alarm] = Object.values(
        template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { AlarmName: `Alarms-${id}` },
        }),
      );
      return alarm!.Properties;
    };
    for (const [id, hours, rate] of [
      ['ErrorBudgetFastBurn', 1, 14.4],
      ['ErrorBudgetSlowBurn', 6, 6],
    ] as const) {
      const p = burn(id);
      expect(p).toMatchObject({ Threshold: rate, EvaluationPeriods: 1 });
      // The share of steps past the SLO over the window ÷ the 0.1 % a 99.9 % target allows.
      const [expression, breached] = p.Metrics;
      expect(expression.Expression).toBe('breached / 0.001');
      expect(breached.MetricStat).toMatchObject({
        Metric: { MetricName: 'SloBreached', Dimensions: SERVICE_DIMENSION },
        Stat: 'Average',
        Period: hours * 3600,
      });
    }
  });

  it('alarms on a stalled partition for 10 minutes', () => {
    expect(alarmProps('stalledPartitions')).toMatchObject({
      MetricName: 'StalledPartitions',
      Dimensions: SERVICE_DIMENSION,
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 10,
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms on the service's CPU and memory from AWS/ECS at the autoscaler's scale-up thresholds", () => {
    // Memory at 90 % is past where the worker's heap is full (lib/worker-heap.ts): it could only
    // alarm after a crash, so the default is the autoscaler's LAGPILOT_MEMORY_HIGH; CPU below
    // LAGPILOT_CPU_HIGH (97 here) would page while the autoscaler rightly holds.
    for (const [alarm, metric, threshold] of [
      ['cpuHigh', 'CPUUtilization', 97],
      ['memoryHigh', 'MemoryUtilization', 80],
    ] as const) {
      expect(alarmProps(alarm)).toMatchObject({
        Namespace: 'AWS/ECS',
        MetricName: metric,
        Dimensions: [
          { Name: 'ClusterName', Value: 'prod' },
          { Name: 'ServiceName', Value: 'orders-mirror' },
        ],
        Threshold: threshold,
        // The autoscaler decides on the busiest task: so does the alarm.
        Statistic: 'Maximum',
      });
    }
  });

  it('watches CPU and memory by cluster name when the cluster is given by ARN', () => {
    const { alarms: byArn, stack: arnStack } = alarmsFor(
      {},
      {
        clusterName: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
        serviceName: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/orders-mirror',
      },
    );
    const props = arnStack.resolve(
      (byArn.alarms.cpuHigh.node.defaultChild as never as { dimensions: unknown }).dimensions,
    );
    expect(props).toEqual([
      { name: 'ClusterName', value: 'prod' },
      { name: 'ServiceName', value: 'orders-mirror' },
    ]);
  });

  it('alarms when fewer tasks run than desired for 10 minutes', () => {
    const props = alarmProps('tasksNotRunning');
    expect(props.Metrics[0].Expression).toBe('desired - running');
    expect(props).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 10,
    });
  });

  it('notifies an encrypted, TLS-only topic with the email subscribed, on alarm and on recovery', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          // Without it no alarm could publish: the topic policy is the only grant SNS reads.
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    for (const alarm of Object.values(alarms.alarms).filter((a) => a !== undefined)) {
      expect(alarm.node.defaultChild).toMatchObject({
        alarmActions: [expect.anything()],
        okActions: [expect.anything()],
      });
    }
  });

  it('passes the AWS Solutions checks (topic encryption and TLS included)', () => {
    expect(nagFindings(alarms)).toEqual([]);
  });
});

describe('LagDashboard', () => {
  const { template } = alarmsFor();

  it('shows lag, lag seconds, rates, tasks, CPU, memory and scaling actions', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'TotalLag',
      'LagSeconds',
      'ProduceRate',
      'ConsumeRate',
      'DesiredTasks',
      'RunningTasks',
      'TaskCap',
      'CPUUtilization',
      'MemoryUtilization',
      'ScaleUp',
      'ScaleDown',
    ]) {
      expect(body, metric).toContain(`\\"${metric}\\"`);
    }
  });

  it('creates no topic when no email or topic is given', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});
