import type { ConfigIssue } from '../kit/params/config-error.ts';
import { envNameOf } from '../kit/params/names.ts';
import type { RawConfig } from '../lambda/core/index.ts';
import { AUTOSCALER_PARAMETERS } from '../lambda/core/index.ts';

/**
 * What the chosen Kafka auth needs across the autoscaler's and the deployment's parameters: a
 * well-formed secret ARN, the MSK cluster for IAM, the KMS key for SCRAM on MSK.
 */

/** The MSK fields of the deployment parameters that auth reads. */
interface AuthSettings {
  readonly mskClusterArn?: string | undefined;
  readonly kafkaSecretKmsKeyArn?: string | undefined;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

const scalerIssue = (field: 'LAGPILOT_KAFKA_SECRET_ARN', message: string, value?: string) => ({
  field,
  label: AUTOSCALER_PARAMETERS.label(field),
  message,
  ...(value === undefined ? {} : { value }),
});
const deployIssue = (
  field: 'mskClusterArn' | 'kafkaSecretKmsKeyArn',
  message: string,
): ConfigIssue => ({
  field,
  label: `${field} (${envNameOf(field)})`,
  message,
});

/** What the chosen Kafka auth needs besides its own fields, each with its fix. */
export function authIssues(config: RawConfig, d: AuthSettings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const arn = config.LAGPILOT_KAFKA_SECRET_ARN;
  if (arn !== undefined && !SECRET_ARN.test(arn)) {
    issues.push(
      scalerIssue(
        'LAGPILOT_KAFKA_SECRET_ARN',
        'must be a Secrets Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (aws secretsmanager describe-secret --query ARN)',
        arn,
      ),
    );
  }
  const auth = config.LAGPILOT_KAFKA_AUTH;
  const scram = auth === 'scram-sha-256' || auth === 'scram-sha-512';
  if (auth === 'msk-iam' && !d.mskClusterArn) {
    issues.push(
      deployIssue(
        'mskClusterArn',
        'is required while kafkaAuth is msk-iam: give the cluster ARN (aws kafka list-clusters-v2)',
      ),
    );
  }
  if (d.mskClusterArn && auth !== 'msk-iam') {
    issues.push(
      deployIssue(
        'mskClusterArn',
        `only applies to kafkaAuth=msk-iam (kafkaAuth is ${auth}): remove it, or set kafkaAuth=msk-iam`,
      ),
    );
  }
  if (d.kafkaSecretKmsKeyArn && !scram) {
    issues.push(
      deployIssue(
        'kafkaSecretKmsKeyArn',
        `only applies to SCRAM (kafkaAuth is ${auth}): remove it`,
      ),
    );
  }
  // MSK refuses SCRAM secrets under the AWS-managed key, so an MSK broker implies a custom key.
  if (scram && !d.kafkaSecretKmsKeyArn && config.LAGPILOT_BROKERS.some(isMskBroker)) {
    issues.push(
      deployIssue(
        'kafkaSecretKmsKeyArn',
        'is required for SCRAM on MSK, whose secrets are encrypted with a customer-managed key: give that key ARN',
      ),
    );
  }
  return issues;
}

function isMskBroker(broker: string): boolean {
  return /\.kafka(-serverless)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?:\d+$/.test(broker);
}
