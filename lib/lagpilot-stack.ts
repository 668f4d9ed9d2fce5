import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The whole product: a worker fleet on Fargate and the autoscaler that sizes it. */
export class LagpilotStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const task = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: 512,
      memoryLimitMiB: 1024,
    });
    task.addContainer('worker', {
      image: ecs.ContainerImage.fromAsset(ROOT, {
        file: 'worker/Dockerfile',
        exclude: ['cdk.out', 'node_modules', '.cache', '.git'],
      }),
    });
    new ecs.FargateService(this, 'WorkerService', {
      cluster,
      taskDefinition: task,
      desiredCount: 1,
    });
    new NodejsFunction(this, 'Autoscaler', {
      entry: path.join(ROOT, 'lambda', 'handler.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(50),
      bundling: { format: OutputFormat.ESM, minify: true, sourceMap: true },
    });
  }
}
