/**
 * How the autoscaler authenticates to Kafka: none, TLS, or SASL/SCRAM with the credentials
 * read from a Secrets Manager secret `{"username","password"}` at cold start and cached for
 * the life of the execution environment (never from plain environment variables, never logged).
 *
 * MSK IAM is not supported yet: it needs the OAUTHBEARER token signer
 * (aws-msk-iam-sasl-signer-js), which is not a dependency of this package. Configuring
 * `msk-iam` fails at cold start with a clear error rather than at the first connection.
 */

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { LagpilotConfig } from './config.ts';
import { ConfigError } from './config.ts';

export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

interface ScramSecret {
  username: string;
  password: string;
}

async function readScramSecret(client: SecretsManagerClient, arn: string): Promise<ScramSecret> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(SecretString ?? '');
  } catch {
    parsed = undefined;
  }
  const secret = parsed as Partial<ScramSecret> | undefined;
  if (typeof secret?.username !== 'string' || typeof secret.password !== 'string') {
    // The secret's content is never echoed: only its shape is described.
    throw new ConfigError([
      `LAGPILOT_KAFKA_SECRET_ARN=${JSON.stringify(arn)}: the secret must be a JSON object with string fields "username" and "password"`,
    ]);
  }
  return { username: secret.username, password: secret.password };
}

/** The kafkajs `ssl`/`sasl` options for the configured auth; SCRAM reads its secret once. */
export async function kafkaSecurity(
  kafka: LagpilotConfig['kafka'],
  secrets: () => SecretsManagerClient,
): Promise<KafkaSecurity> {
  switch (kafka.auth) {
    case 'none':
      return { ssl: kafka.tls };
    case 'tls':
      return { ssl: true };
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const { username, password } = await readScramSecret(secrets(), kafka.secretArn ?? '');
      const sasl: SASLOptions = { mechanism: kafka.auth, username, password };
      return { ssl: kafka.tls, sasl };
    }
    case 'msk-iam':
      throw new ConfigError([
        'LAGPILOT_KAFKA_AUTH="msk-iam": MSK IAM auth is not supported yet; use scram-sha-512 (with LAGPILOT_KAFKA_SECRET_ARN) or tls',
      ]);
  }
}
