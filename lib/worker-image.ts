import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag | @sha256:digest]` */
const ECR_URI =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+)(?::([\w.-]+)|@(sha256:[a-f0-9]{64}))?$/;

/**
 * The image at `uri`. A private ECR image is imported as its repository, so the execution role
 * gets pull rights on exactly that repository (`fromRegistry` would grant none and the first
 * task would fail to pull); any other registry must be public.
 */
export function workerImageFrom(scope: Construct, uri: string): ecs.ContainerImage {
  const match = ECR_URI.exec(uri);
  if (!match) return ecs.ContainerImage.fromRegistry(uri);
  const [, account, region, china, repositoryName, tag, digest] = match;
  const partition = china ? 'aws-cn' : Stack.of(scope).partition;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, 'WorkerRepository', {
    repositoryName: repositoryName!,
    repositoryArn: `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, digest ?? tag ?? 'latest');
}
