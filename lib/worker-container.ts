import { fileURLToPath } from 'node:url';
import { Aws, type Duration, IgnoreMode } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { ResolvedKafka } from './kafka-connection.ts';
import type { MirrorWorkerServiceProps } from './mirror-worker-service.ts';
import { workerNodeOptions } from './worker-heap.ts';

/** What the worker container is built from and started with: image, environment, secrets. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The worker's health check: its own `/healthz`, with Node (the image has no curl). */
export const HEALTH_CHECK_COMMAND = [
  'CMD',
  'node',
  '-e',
  "fetch('http://127.0.0.1:'+(process.env.MIRROR_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];

export function workerImage(cpuArchitecture: ecs.CpuArchitecture): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(ROOT, {
    file: 'worker/Dockerfile',
    platform:
      cpuArchitecture === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
    // Only what the image is built from: an edit elsewhere must not rebuild and roll the fleet.
    ignoreMode: IgnoreMode.DOCKER,
    exclude: ['*', '!worker', '!kit', 'worker/dist', 'worker/node_modules'],
  });
}

/**
 * The secrets ECS injects before the container starts, by the secret's complete ARN (ECS
 * documents no other form for `ValueFrom`): the SCRAM credentials and a private CA's bundle.
 */
export function workerSecrets(path: string, kafka: ResolvedKafka): Record<string, ecs.Secret> {
  const secrets: Record<string, ecs.Secret> = {};
  const scram = kafka.auth.secret;
  for (const [name, secret] of [
    ['kafka.auth (KafkaAuth.scram)', scram],
    ['kafka.caBundle', kafka.caBundle],
  ] as const) {
    if (secret && !secret.secretFullArn) {
      throw new Error(
        `${path}: ${name}: ECS injects a secret by its complete ARN (…:secret:<name>-<6 characters>), and this one was imported by name or partial ARN: import it with Secret.fromSecretCompleteArn, or fromSecretAttributes({ secretCompleteArn })`,
      );
    }
  }
  if (scram) {
    secrets.KAFKA_SASL_USERNAME = ecs.Secret.fromSecretsManager(scram, 'username');
    secrets.KAFKA_SASL_PASSWORD = ecs.Secret.fromSecretsManager(scram, 'password');
  }
  if (kafka.caBundle) secrets.KAFKA_TLS_CA = ecs.Secret.fromSecretsManager(kafka.caBundle);
  return secrets;
}

/** The `MIRROR_*` / `KAFKA_*` environment: the settings given, the error policy and the drain. */
export function workerEnvironment(
  props: MirrorWorkerServiceProps,
  kafka: ResolvedKafka,
  onError: 'dlq' | 'skip',
  shutdownTimeout: Duration,
  memoryMiB: number,
): Record<string, string> {
  const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
  const auth = kafka.auth;
  const settings: Record<string, string | undefined> = {
    MIRROR_APPID: props.groupId,
    MIRROR_BOOTSTRAP: kafka.brokers.join(','),
    MIRROR_INPUT: props.inputTopics.join(','),
    MIRROR_OUTPUT: props.outputTopic,
    MIRROR_PARTITION: props.partitionKey,
    MIRROR_FILTER: props.filter,
    MIRROR_TRANSFORM: json(props.transform),
    MIRROR_ON_ERROR: onError,
    MIRROR_DLQ_TOPIC: props.dlqTopic,
    MIRROR_MAX_RATE: props.maxRate?.toString(),
    MIRROR_THREADS: props.threads?.toString(),
    MIRROR_CLIENT: props.client,
    MIRROR_GROUP_PROTOCOL: props.groupProtocol,
    MIRROR_CONSUMER_PROPERTIES: json(props.consumerProperties),
    MIRROR_PRODUCER_PROPERTIES: json(props.producerProperties),
    MIRROR_SHUTDOWN_TIMEOUT: String(shutdownTimeout.toSeconds()),
    KAFKA_TLS: kafka.tls ? 'true' : undefined,
    // The mechanism is not a credential; username and password arrive as ECS secrets.
    KAFKA_SASL_MECHANISM:
      auth.kind === 'msk-iam' ? 'aws-msk-iam' : auth.secret ? auth.kind : undefined,
    // The MSK IAM token is signed for the cluster's region, which is the stack's.
    AWS_REGION: auth.kind === 'msk-iam' ? Aws.REGION : undefined,
    // The heap follows the task's memory (the image's own default suits 512 MiB at most).
    NODE_OPTIONS: workerNodeOptions(memoryMiB),
  };
  return Object.fromEntries(
    Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
