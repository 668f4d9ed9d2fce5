import type { ConfigIssue } from '../kit/params/config-error.ts';
import { envNameOf } from '../kit/params/names.ts';
import type { EnvName, RawConfig } from '../lambda/core/index.ts';
import { AUTOSCALER_PARAMETERS } from '../lambda/core/index.ts';
import { isMskBroker, type TlsIssue, tlsIssues } from './kafka-tls.ts';

/**
 * What the chosen Kafka auth needs across the autoscaler's and the deployment's parameters:
 * complete secret ARNs, the MSK cluster for IAM, the KMS key for SCRAM on MSK, and TLS as the
 * auth kind and the brokers' port imply it (lib/kafka-tls.ts).
 */

/** The auth fields of the deployment parameters. */
interface AuthSettings {
  readonly mskClusterArn?: string | undefined;
  readonly kafkaSecretKmsKeyArn?: string | undefined;
  readonly autoscalerKafkaSecretArn?: string | undefined;
}

type DeployField = keyof AuthSettings;

/** A complete secret ARN: ECS injects secrets by complete ARN, with the 6-character suffix. */
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_ARN_FIX =
  'must be the complete ARN of a Secrets Manager secret, arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (aws secretsmanager describe-secret --secret-id <name> --query ARN)';

const scalerIssue = (field: EnvName, message: string, value?: string): ConfigIssue => ({
  field,
  label: AUTOSCALER_PARAMETERS.label(field),
  message,
  ...(value === undefined ? {} : { value }),
});
const deployIssue = (field: DeployField, message: string, value?: string): ConfigIssue => ({
  field,
  label: `${field} (${envNameOf(field)})`,
  message,
  ...(value === undefined ? {} : { value }),
});

const TLS_FIELDS: Readonly<Record<TlsIssue['field'], EnvName>> = {
  auth: 'LAGPILOT_KAFKA_AUTH',
  tls: 'LAGPILOT_KAFKA_TLS',
  ca: 'LAGPILOT_KAFKA_CA_SECRET_ARN',
  brokers: 'LAGPILOT_BROKERS',
};

/**
 * What the chosen Kafka auth needs besides its own fields, each with its fix. `tlsGiven`: whether
 * kafkaTls was set (unset, TLS follows from the auth kind and the port).
 */
export function authIssues(config: RawConfig, d: AuthSettings, tlsGiven: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const field of ['LAGPILOT_KAFKA_SECRET_ARN', 'LAGPILOT_KAFKA_CA_SECRET_ARN'] as const) {
    const arn = config[field];
    if (arn !== undefined && !SECRET_ARN.test(arn)) {
      issues.push(scalerIssue(field, SECRET_ARN_FIX, arn));
    }
  }
  const tls = tlsIssues({
    kind: config.LAGPILOT_KAFKA_AUTH,
    brokers: config.LAGPILOT_BROKERS,
    tls: tlsGiven ? config.LAGPILOT_KAFKA_TLS : undefined,
    hasCaBundle: config.LAGPILOT_KAFKA_CA_SECRET_ARN !== undefined,
    names: { auth: 'kafkaAuth', tls: 'kafkaTls', ca: 'kafkaCaSecretArn' },
  });
  issues.push(...tls.map((i) => scalerIssue(TLS_FIELDS[i.field], i.message)));
  return [...issues, ...deployAuthIssues(config, d)];
}

/** The deployment's auth fields against the auth kind. */
function deployAuthIssues(config: RawConfig, d: AuthSettings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
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
  if (d.autoscalerKafkaSecretArn && !scram) {
    issues.push(
      deployIssue(
        'autoscalerKafkaSecretArn',
        `only applies to SCRAM (kafkaAuth is ${auth}): remove it`,
      ),
    );
  }
  if (d.kafkaSecretKmsKeyArn && !scram && !config.LAGPILOT_KAFKA_CA_SECRET_ARN) {
    issues.push(
      deployIssue(
        'kafkaSecretKmsKeyArn',
        `only applies to the SCRAM and CA bundle secrets (kafkaAuth is ${auth}, no kafkaCaSecretArn): remove it`,
      ),
    );
  }
  const own = d.autoscalerKafkaSecretArn;
  if (own !== undefined && !SECRET_ARN.test(own)) {
    issues.push(deployIssue('autoscalerKafkaSecretArn', SECRET_ARN_FIX, own));
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
