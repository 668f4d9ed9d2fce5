import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppParameters } from './deploy-params.ts';
import { KafkaAuth } from './kafka-connection.ts';

/**
 * The app's Kafka secrets, imported by complete ARN (ECS injects secrets by complete ARN only):
 * the worker's SCRAM credentials, the autoscaler's own when given (a user with describe rights
 * only), and a private CA's bundle. All of them use `kafkaSecretKmsKeyArn` when given.
 */
export class KafkaSecrets {
  /** The worker's auth (and the autoscaler's, without `autoscalerKafkaSecretArn`). */
  readonly workerAuth: KafkaAuth;
  readonly autoscalerAuth: KafkaAuth;
  readonly caBundle?: secretsmanager.ISecret;
  /** The partial-ARN twin of each SCRAM secret, by the id of its complete import. */
  private readonly partials = new Map<string, secretsmanager.ISecret>();

  constructor(
    private readonly scope: Construct,
    p: AppParameters,
  ) {
    const keyArn = p.deploy.kafkaSecretKmsKeyArn;
    const key = keyArn ? kms.Key.fromKeyArn(scope, 'KafkaSecretKey', keyArn) : undefined;
    this.workerAuth = this.auth(p, 'KafkaSecret', p.kafkaSecretArn, key);
    const own = p.deploy.autoscalerKafkaSecretArn;
    this.autoscalerAuth = own ? this.auth(p, 'AutoscalerKafkaSecret', own, key) : this.workerAuth;
    if (p.kafkaCaSecretArn) {
      // A CA bundle kept beside the SCRAM secrets may share their key: its readers may use it.
      this.caBundle = secretsmanager.Secret.fromSecretAttributes(scope, 'KafkaCaBundle', {
        secretCompleteArn: p.kafkaCaSecretArn,
        encryptionKey: key,
      });
    }
  }

  /**
   * A complete ARN is `<name>-` and six characters, but a partial ARN whose name ends that way
   * looks the same (`AmazonMSK_orders-mirror`): grant the partial form (`<arn>-??????`) as well
   * rather than guess, so the first deploy works either way. The key grant came with the first.
   */
  grantIfPartial(workerRole: iam.IRole, autoscalerRole: iam.IRole): void {
    const own = this.partials.get('AutoscalerKafkaSecret');
    this.partials.get('KafkaSecret')?.grantRead(workerRole);
    (own ?? this.partials.get('KafkaSecret'))?.grantRead(autoscalerRole);
  }

  private auth(
    p: AppParameters,
    id: string,
    arn: string | undefined,
    key: kms.IKey | undefined,
  ): KafkaAuth {
    switch (p.kafkaAuth) {
      case 'none':
        return p.kafkaTls ? KafkaAuth.tls() : KafkaAuth.none();
      case 'tls':
        return KafkaAuth.tls();
      case 'scram-sha-256':
      case 'scram-sha-512': {
        // KafkaAuth.grantReadSecret gives each reader kms:Decrypt on the key, via Secrets Manager.
        const secret = secretsmanager.Secret.fromSecretAttributes(this.scope, id, {
          secretCompleteArn: arn!,
          encryptionKey: key,
        });
        this.partials.set(
          id,
          secretsmanager.Secret.fromSecretAttributes(this.scope, `${id}IfPartial`, {
            secretPartialArn: arn!,
          }),
        );
        return KafkaAuth.scram(secret, { mechanism: p.kafkaAuth, tls: p.kafkaTls });
      }
      case 'msk-iam':
        return KafkaAuth.mskIam(p.deploy.mskClusterArn!);
    }
  }
}
