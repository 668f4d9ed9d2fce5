import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { LagAlarms } from './lag-alarms.ts';
import type { AutoscalerMetricName, LagAutoscaler } from './lag-autoscaler.ts';
import type { MirrorWorkerService } from './mirror-worker-service.ts';

/** Props of {@link LagDashboard}. */
export interface LagDashboardProps {
  /** The autoscaler whose metrics (and scaled service) the dashboard shows. */
  readonly autoscaler: LagAutoscaler;
  /**
   * Alarms to show as a status row and as threshold lines.
   * @default - no alarm widgets
   */
  readonly alarms?: LagAlarms;
  /**
   * The worker fleet whose record counters (in, out, filtered, dead-lettered) to graph.
   * @default - no worker widget
   */
  readonly worker?: MirrorWorkerService;
  /**
   * Dashboard name.
   * @default - CloudFormation-generated
   */
  readonly dashboardName?: string;
}

const WIDTH = 12;
const HEIGHT = 6;

/**
 * One page for the fleet: backlog and its age, produce vs consume rate beside the learned capacity
 * per task, desired/running/cap, CPU and memory, and every scaling action the autoscaler took.
 */
export class LagDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: LagDashboardProps) {
    super(scope, id);
    const scaler = props.autoscaler;
    const m = (name: AutoscalerMetricName, statistic: string, label: string = name) =>
      scaler.metric(name, { statistic, label });
    const alarms = props.alarms;
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...extra });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    if (alarms) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: Object.values(alarms.alarms).filter((a) => a !== undefined),
          width: 2 * WIDTH,
          height: 3,
        }),
      );
    }
    this.dashboard.addWidgets(
      graph(
        'Consumer lag (messages)',
        [m('TotalLag', 'Maximum'), m('MaxPartitionLag', 'Maximum')],
        {
          leftAnnotations: alarms ? [{ value: alarms.lagThreshold, label: 'lag alarm' }] : [],
        },
      ),
      // The measured task start beside the lag: how soon added capacity can bring it back.
      graph('Lag (seconds)', [m('LagSeconds', 'Maximum')], {
        leftAnnotations: alarms ? [{ value: alarms.lagSecondsSlo.toSeconds(), label: 'SLO' }] : [],
        right: [m('TaskStartSeconds', 'Average', 'task start (measured)')],
      }),
    );
    this.dashboard.addWidgets(
      // The learned per-task rate is what scale-down sizes from: beside the group's rates, an
      // operator sees how many tasks the consume rate needs.
      graph(
        'Produce vs consume rate (msg/s)',
        [m('ProduceRate', 'Average', 'produced'), m('ConsumeRate', 'Average', 'consumed')],
        { right: [m('TaskCapacity', 'Average', 'capacity per task')] },
      ),
      graph('Tasks: desired / running / cap', [
        m('DesiredTasks', 'Maximum', 'desired'),
        m('RunningTasks', 'Maximum', 'running'),
        m('TaskCap', 'Minimum', 'cap'),
        m('Partitions', 'Maximum', 'partitions'),
      ]),
    );
    // What the operator stated (LAGPILOT_SLO_ATTAINMENT) against what the autoscaler measures:
    // attainment over 28 days, and how fast the budget window spends the budget (1: on budget;
    // the floor holds from there).
    this.dashboard.addWidgets(
      graph('SLO attainment (% of minutes)', [m('SloAttainment', 'Minimum', 'attainment')], {
        leftAnnotations: [
          { value: scaler.config.LAGPILOT_SLO_ATTAINMENT, label: 'target attainment' },
        ],
      }),
      graph('Error budget burn (budget window)', [m('ErrorBudgetBurn', 'Maximum', 'burn')], {
        leftAnnotations: [{ value: 1, label: 'on budget: the floor holds' }],
        right: [m('SloBreached', 'Average', 'share of steps past the SLO')],
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'CPU % (busiest task)',
        [scaler.serviceMetric('CPUUtilization', { statistic: 'Maximum' })],
        {
          leftYAxis: { min: 0, max: 100 },
        },
      ),
      graph(
        'Memory % (busiest task)',
        [scaler.serviceMetric('MemoryUtilization', { statistic: 'Maximum' })],
        {
          leftYAxis: { min: 0, max: 100 },
        },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Autoscaler actions',
        [m('ScaleUp', 'Sum', 'scale up'), m('ScaleDown', 'Sum', 'scale down')],
        { view: cloudwatch.GraphWidgetView.BAR },
      ),
      graph('Autoscaler health', [
        m('Errors', 'Sum', 'errors'),
        m('StalledPartitions', 'Maximum', 'stalled partitions'),
      ]),
    );
    const worker = props.worker;
    if (worker) {
      this.dashboard.addWidgets(
        graph(
          'Worker records per minute',
          (['RecordsIn', 'RecordsOut', 'Filtered', 'DeadLettered', 'Errors'] as const).map((name) =>
            worker.metric(name, { label: name }),
          ),
          { width: 2 * WIDTH },
        ),
      );
    }
  }
}
