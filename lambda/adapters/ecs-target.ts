/**
 * The scaled ECS service: DescribeServices for desired/running/pending counts and whether a
 * deployment is rolling; UpdateService to set the desired count (an absolute value, so
 * repeating it is harmless).
 */

import {
  DescribeServicesCommand,
  type ECSClient,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  AutoscalerError,
  messageOf,
  type ScalingTarget,
  ServiceNotFoundError,
  type ServiceSnapshot,
  type TaskCount,
} from '../core/index.ts';

/** More than one deployment, or the primary one still rolling out, is a rolling deployment. */
export function isDeploying(service: Service): boolean {
  const deployments = service.deployments ?? [];
  if (deployments.length > 1) return true;
  return deployments.some((d) => d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS');
}

export class EcsScalingTarget implements ScalingTarget {
  constructor(
    private readonly client: ECSClient,
    private readonly cluster: string,
    private readonly service: string,
  ) {}

  async describe(): Promise<ServiceSnapshot> {
    let services: Service[] | undefined;
    let reason: string | undefined;
    try {
      const out = await this.client.send(
        new DescribeServicesCommand({ cluster: this.cluster, services: [this.service] }),
      );
      services = out.services;
      reason = out.failures?.[0]?.reason;
    } catch (error) {
      if ((error as { name?: string }).name === 'ClusterNotFoundException') {
        throw new ServiceNotFoundError(this.cluster, this.service, 'cluster not found');
      }
      throw new AutoscalerError(
        'transient',
        `DescribeServices ${this.service} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    const service = services?.find(
      (s) => s.serviceName === this.service || s.serviceArn === this.service,
    );
    if (!service || service.status === 'INACTIVE') {
      throw new ServiceNotFoundError(
        this.cluster,
        this.service,
        reason ?? service?.status ?? 'MISSING',
      );
    }
    return {
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      deploying: isDeploying(service),
      ...(service.taskDefinition ? { taskDefinition: service.taskDefinition } : {}),
    };
  }

  async setDesired(count: TaskCount): Promise<void> {
    try {
      await this.client.send(
        new UpdateServiceCommand({
          cluster: this.cluster,
          service: this.service,
          desiredCount: count,
        }),
      );
    } catch (error) {
      throw new AutoscalerError(
        'transient',
        `UpdateService ${this.service} to ${count} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}
