import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

/** The service the autoscaler scales: given as a construct, or by cluster and service name. */
export interface ScalingTargetProps {
  readonly service?: ecs.IBaseService;
  readonly clusterName?: string;
  readonly serviceName?: string;
}

export interface ScalingTarget {
  readonly clusterName: string;
  readonly serviceName: string;
  readonly serviceArn: string;
}

export function resolveTarget(scope: Construct, props: ScalingTargetProps): ScalingTarget {
  const byName = props.clusterName !== undefined || props.serviceName !== undefined;
  if (props.service && byName) {
    throw new Error(
      `${scope.node.path}: give either \`service\` or \`clusterName\` + \`serviceName\`, not both`,
    );
  }
  if (props.service) {
    return {
      clusterName: props.service.cluster.clusterName,
      serviceName: props.service.serviceName,
      serviceArn: props.service.serviceArn,
    };
  }
  if (!props.clusterName || !props.serviceName) {
    throw new Error(
      `${scope.node.path}: name the service to scale: \`service\`, or both \`clusterName\` and \`serviceName\``,
    );
  }
  // An ARN given as the cluster keeps only its name for the service ARN.
  const cluster = Token.isUnresolved(props.clusterName)
    ? props.clusterName
    : props.clusterName.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\//, '');
  // A service ARN keeps only its name: the API, the metrics and the ARN below want the name.
  const service = Token.isUnresolved(props.serviceName)
    ? props.serviceName
    : props.serviceName.slice(props.serviceName.lastIndexOf('/') + 1);
  return {
    clusterName: props.clusterName,
    serviceName: service,
    serviceArn: Stack.of(scope).formatArn({
      service: 'ecs',
      resource: 'service',
      resourceName: `${cluster}/${service}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  };
}
