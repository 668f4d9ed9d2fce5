import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { LagAutoscaler } from './lag-autoscaler.ts';
import type { MirrorWorkerService } from './mirror-worker-service.ts';

const MINUTE = Duration.minutes(1);

/** Props of {@link LagAlarms}. */
export interface LagAlarmsProps {
  /** The autoscaler whose metrics (and scaled service) the alarms watch. */
  readonly autoscaler: LagAutoscaler;
  /**
   * The worker fleet whose dead-lettered records (or, with onError 'skip', errors) alarm.
   * @default - no dead-letter alarm (a service the stack does not run)
   */
  readonly worker?: MirrorWorkerService;
  /**
   * Dead-lettered records in 5 minutes that alarm.
   * @default 1
   */
  readonly deadLetterThreshold?: number;
  /**
   * Lag (messages) below which growing lag at the cap is noise, not an alarm.
   * @default - `lagThreshold`
   */
  readonly lagGrowingFloor?: number;
  /**
   * Prefix of the alarm names (`<prefix>-LagHigh`), so runbooks and filters can name them.
   * Alarm names are unique per account and region: a second LagAlarms in the stack needs its own.
   * @default - the stack name
   */
  readonly alarmNamePrefix?: string;
  /**
   * Total lag (messages) that alarms when it holds for `lagDuration`.
   * @default - the autoscaler's scale-up threshold (LAGPILOT_LAG_HIGH)
   */
  readonly lagThreshold?: number;
  /**
   * How long lag must stay above `lagThreshold` to alarm: long enough for the autoscaler to
   * have scaled and the fleet to have caught up.
   * @default Duration.minutes(15)
   */
  readonly lagDuration?: Duration;
  /**
   * Lag in seconds (age of the oldest unconsumed message) that breaks the SLO when it holds
   * for 5 minutes.
   * @default Duration.minutes(5)
   */
  readonly lagSecondsSlo?: Duration;
  /**
   * Service CPU % that alarms when it holds for 15 minutes (below the autoscaler's own scale-up
   * threshold it would page while the autoscaler rightly holds).
   * @default - the autoscaler's scale-up threshold (LAGPILOT_CPU_HIGH)
   */
  readonly cpuThreshold?: number;
  /**
   * Service memory % that alarms when it holds for 15 minutes (the worker's heap is full at
   * about 84 %, lib/worker-heap.ts: a threshold above that could only fire after a crash).
   * @default - the autoscaler's scale-up threshold (LAGPILOT_MEMORY_HIGH)
   */
  readonly memoryThreshold?: number;
  /**
   * Topic the alarms notify when they go into ALARM (never on OK: a fresh deploy would mail one
   * OK per alarm).
   * @default - a new KMS-encrypted, TLS-only topic when `alarmEmail` is given; otherwise none
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Email address subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/** The alarm set's members, by what they watch. */
export interface LagAlarmSet {
  readonly lagHigh: cloudwatch.Alarm;
  readonly lagGrowingAtCap: cloudwatch.Alarm;
  readonly lagSecondsSlo: cloudwatch.Alarm;
  /** The error budget of LAGPILOT_SLO_ATTAINMENT burning fast (1 h) or steadily (6 h). */
  readonly errorBudgetFastBurn: cloudwatch.Alarm;
  readonly errorBudgetSlowBurn: cloudwatch.Alarm;
  readonly autoscalerErrors: cloudwatch.Alarm;
  readonly autoscalerSilent: cloudwatch.Alarm;
  /** The function's own failures (AWS/Lambda Errors), init failures included. */
  readonly functionErrors: cloudwatch.Alarm;
  readonly functionThrottles: cloudwatch.Alarm;
  readonly cpuHigh: cloudwatch.Alarm;
  readonly memoryHigh: cloudwatch.Alarm;
  readonly tasksNotRunning: cloudwatch.Alarm;
  readonly stalledPartitions: cloudwatch.Alarm;
  /** Present when the props name the worker fleet. */
  readonly deadLetters?: cloudwatch.Alarm;
}

/**
 * CloudWatch alarms for a lag-autoscaled fleet: the backlog and its age, a fleet that cannot
 * catch up at its cap, a failing or silent autoscaler, resource pressure, tasks that won't start.
 */
export class LagAlarms extends Construct {
  readonly alarms: LagAlarmSet;
  /** The topic notified, if any. */
  readonly topic?: sns.ITopic;
  readonly lagThreshold: number;
  readonly lagSecondsSlo: Duration;
  readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: LagAlarmsProps) {
    super(scope, id);
    const scaler = props.autoscaler;
    const m = (name: Parameters<LagAutoscaler['metric']>[0], statistic: string, period = MINUTE) =>
      scaler.metric(name, { statistic, period });
    this.lagThreshold = props.lagThreshold ?? scaler.config.LAGPILOT_LAG_HIGH;
    this.lagSecondsSlo = props.lagSecondsSlo ?? Duration.minutes(5);
    const lagMinutes = (props.lagDuration ?? Duration.minutes(15)).toMinutes();
    const lagFloor = props.lagGrowingFloor ?? this.lagThreshold;
    this.alarmNamePrefix = props.alarmNamePrefix ?? Stack.of(this).stackName;
    this.refuseNameCollision();

    this.alarms = {
      lagHigh: this.alarm('LagHigh', {
        alarmDescription: `Total lag above ${this.lagThreshold} messages for ${lagMinutes} min: the fleet is not catching up. Check the autoscaler's decisions and the workers' logs.`,
        metric: m('TotalLag', 'Minimum'),
        threshold: this.lagThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: lagMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      lagGrowingAtCap: this.alarm('LagGrowingAtCap', {
        alarmDescription: `Lag above ${lagFloor} keeps growing while the service runs at its cap (min of max tasks and partitions) for 15 min: the fleet cannot catch up. Add partitions or raise LAGPILOT_MAX_TASKS.`,
        metric: new cloudwatch.MathExpression({
          // Below the floor a rising lag is noise, however long it rises.
          expression: `IF(desired >= cap AND RATE(lag) > 0 AND lag > ${lagFloor}, 1, 0)`,
          usingMetrics: {
            desired: m('DesiredTasks', 'Maximum', Duration.minutes(5)),
            cap: m('TaskCap', 'Minimum', Duration.minutes(5)),
            lag: m('TotalLag', 'Average', Duration.minutes(5)),
          },
          period: Duration.minutes(5),
          label: 'lag growing at cap',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      lagSecondsSlo: this.alarm('LagSecondsSlo', {
        alarmDescription: `Oldest unconsumed message older than ${this.lagSecondsSlo.toSeconds()} s for 5 min: the freshness SLO is broken.`,
        metric: m('LagSeconds', 'Maximum'),
        threshold: this.lagSecondsSlo.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      ...budgetAlarms(scaler, (id, alarmProps) => this.alarm(id, alarmProps)),
      autoscalerErrors: this.alarm('AutoscalerErrors', {
        alarmDescription:
          'The autoscaler failed to observe or act in 3 of the last 5 minutes (it never scales down on a failed observation). See its log group.',
        metric: m('Errors', 'Sum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      autoscalerSilent: this.alarm('AutoscalerSilent', {
        // Missing data is the signal, so it notifies on INSUFFICIENT_DATA (see below): an
        // alarm breaching on missing data would fire on every fresh deploy, before the first step.
        alarmDescription:
          'INSUFFICIENT_DATA means no TotalLag datapoint for 10 min after there were some: the autoscaler is not running or cannot read lag, so nothing is scaling the service.',
        metric: m('TotalLag', 'SampleCount', Duration.minutes(5)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      }),
      ...functionAlarms(scaler, (id, alarmProps) => this.alarm(id, alarmProps)),
      cpuHigh: this.usageAlarm(
        'CpuHigh',
        'CPUUtilization',
        props.cpuThreshold ?? scaler.config.LAGPILOT_CPU_HIGH,
        scaler,
      ),
      memoryHigh: this.usageAlarm(
        'MemoryHigh',
        'MemoryUtilization',
        props.memoryThreshold ?? scaler.config.LAGPILOT_MEMORY_HIGH,
        scaler,
      ),
      tasksNotRunning: this.alarm('TasksNotRunning', {
        alarmDescription:
          'Fewer tasks running than desired for 10 min: tasks fail to start or keep failing health checks. Check the service events.',
        metric: new cloudwatch.MathExpression({
          expression: 'desired - running',
          usingMetrics: {
            desired: m('DesiredTasks', 'Minimum'),
            running: m('RunningTasks', 'Maximum'),
          },
          period: MINUTE,
          label: 'tasks short of desired',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 10,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      stalledPartitions: this.alarm('StalledPartitions', {
        alarmDescription:
          'A partition has lag but its committed offset has not moved for 10 min: a worker is stuck on it (a poison record, a hung produce). See the autoscaler decision log for which partition.',
        metric: m('StalledPartitions', 'Maximum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 10,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      deadLetters: props.worker
        ? this.deadLetterAlarm(props.worker, props.deadLetterThreshold ?? 1)
        : undefined,
    };

    this.topic = props.alarmTopic ?? (props.alarmEmail ? this.createTopic() : undefined);
    if (props.alarmEmail && this.topic) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    if (this.topic) {
      const action = new actions.SnsAction(this.topic);
      for (const alarm of Object.values(this.alarms)) alarm?.addAlarmAction(action);
      this.alarms.autoscalerSilent.addInsufficientDataAction(action);
    }
  }

  /** Alarm names are unique per account and region: a second set with the same prefix fails. */
  private refuseNameCollision(): void {
    const other = Stack.of(this)
      .node.findAll()
      .find(
        (c) => c instanceof LagAlarms && c !== this && c.alarmNamePrefix === this.alarmNamePrefix,
      );
    if (other) {
      throw new Error(
        `${this.node.path}: its alarm names (${this.alarmNamePrefix}-LagHigh, …) collide with ${other.node.path}'s: give each LagAlarms its own alarmNamePrefix`,
      );
    }
  }

  /** An alarm named `<prefix>-<id>`. */
  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, { alarmName: `${this.alarmNamePrefix}-${id}`, ...props });
  }

  /** Records dead-lettered (or, with onError 'skip', failed) across the fleet in 5 minutes. */
  private deadLetterAlarm(worker: MirrorWorkerService, threshold: number): cloudwatch.Alarm {
    const dlq = worker.onError === 'dlq';
    return this.alarm('DeadLetters', {
      alarmDescription: dlq
        ? `At least ${threshold} records went to the dead-letter topic in 5 min: inspect them there (the lagpilot.error.* headers say why) before they pile up.`
        : `At least ${threshold} records failed and were skipped in 5 min: check the worker log for the reasons.`,
      metric: worker.metric(dlq ? 'DeadLettered' : 'Errors', { period: Duration.minutes(5) }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private usageAlarm(
    id: string,
    metricName: string,
    threshold: number,
    scaler: LagAutoscaler,
  ): cloudwatch.Alarm {
    return this.alarm(id, {
      alarmDescription: `Service ${metricName} above ${threshold}% for 15 min despite scaling: check max tasks, task size, or a hot partition.`,
      // Maximum, as the autoscaler decides on it: the busiest task is the one that falls behind.
      metric: scaler.serviceMetric(metricName, {
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** An encrypted, TLS-only topic that CloudWatch alarms may publish to. */
  private createTopic(): sns.Topic {
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the lagpilot alarm topic',
      enableKeyRotation: true,
    });
    // Alarms publish through CloudWatch, which must be able to use the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only this account's alarms: no other account's CloudWatch may use the key.
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'lagpilot alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // Without this the topic policy holds only the TLS Deny, and no alarm could publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return topic;
  }
}

type AlarmFactory = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

/**
 * The function's own AWS/Lambda failures. An init that fails (a denied secret or KMS call, an
 * unreachable endpoint, a bad LAGPILOT_* value) emits none of the autoscaler's metrics, so its
 * Errors alarm and the silent alarm never hear it; Lambda counts it in Errors all the same.
 */
function functionAlarms(scaler: LagAutoscaler, alarm: AlarmFactory) {
  const everyMinute = { statistic: 'Sum', period: MINUTE };
  const often = {
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  return {
    functionErrors: alarm('FunctionErrors', {
      alarmDescription:
        'The autoscaler function failed (AWS/Lambda Errors) in 3 of the last 5 minutes, so nothing scales the service. At init (first deploy): a denied Secrets Manager or KMS call, an unreachable endpoint or broker, a bad LAGPILOT_* value. Its log group has the error (errorType, errorMessage; INIT_REPORT … Status: error).',
      metric: scaler.function.metricErrors(everyMinute),
      ...often,
    }),
    functionThrottles: alarm('FunctionThrottles', {
      alarmDescription:
        "The autoscaler function was throttled (AWS/Lambda Throttles) in 3 of the last 5 minutes: the account's concurrency is exhausted and control steps are skipped.",
      metric: scaler.function.metricThrottles(everyMinute),
      ...often,
    }),
  };
}

/**
 * The error budget's burn, as SRE practice alarms it: the share of the window out of SLO (the
 * average of the autoscaler's per-step SloBreached) ÷ what LAGPILOT_SLO_ATTAINMENT allows. 14.4×
 * over an hour spends 2 % of a 30-day budget; 6× over six hours, 5 %.
 */
function budgetAlarms(scaler: LagAutoscaler, alarm: AlarmFactory) {
  const target = scaler.config.LAGPILOT_SLO_ATTAINMENT;
  // 99.9 % allows 0.001 of the window (rounded: 1 − 0.999 is not 0.001 in floating point).
  const allowed = Number((100 - target).toFixed(6)) / 100;
  const burn = (id: string, hours: number, rate: number) =>
    alarm(id, {
      alarmDescription: `The lag SLO was broken ${rate}× as often as ${target} % attainment allows over ${hours} h: at this pace the month's error budget is gone in ${Math.round((30 * 24) / rate / 24)} days. Check the decision log (reaction horizon, floor) and the start time of tasks.`,
      metric: new cloudwatch.MathExpression({
        expression: `breached / ${allowed}`,
        usingMetrics: {
          breached: scaler.metric('SloBreached', {
            statistic: 'Average',
            period: Duration.hours(hours),
          }),
        },
        period: Duration.hours(hours),
        label: `error budget burn (${hours} h)`,
      }),
      threshold: rate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return {
    errorBudgetFastBurn: burn('ErrorBudgetFastBurn', 1, 14.4),
    errorBudgetSlowBurn: burn('ErrorBudgetSlowBurn', 6, 6),
  };
}
