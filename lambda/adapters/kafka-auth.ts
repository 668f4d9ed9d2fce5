/**
 * How the autoscaler authenticates to Kafka: none, TLS, SASL/SCRAM with the credentials read
 * from a Secrets Manager secret `{"username","password"}` at cold start and cached for the life
 * of the execution environment (never from plain environment variables, never logged), or MSK
 * IAM: SASL/OAUTHBEARER with a token signed by AWS's MSK IAM signer from the function's own
 * role credentials (over TLS), fetched anew whenever kafkajs (re)authenticates.
 */

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { AUTOSCALER_PARAMETERS, type LagpilotConfig } from '../core/index.ts';

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
    throw AUTOSCALER_PARAMETERS.error([
      {
        field: 'LAGPILOT_KAFKA_SECRET_ARN',
        value: arn,
        message: 'the secret must be a JSON object with string fields "username" and "password"',
      },
    ]);
  }
  return { username: secret.username, password: secret.password };
}

/** The kafkajs `ssl`/`sasl` options for the configured auth; SCRAM reads its secret once. */
export async function kafkaSecurity(
  kafka: LagpilotConfig['kafka'],
  secrets: () => SecretsManagerClient,
  region: string | undefined,
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
    case 'msk-iam': {
      if (!region) {
        throw AUTOSCALER_PARAMETERS.error([
          {
            field: 'AWS_REGION',
            message: 'MSK IAM auth signs for a region; set AWS_REGION (Lambda sets it)',
          },
        ]);
      }
      const sasl: SASLOptions = {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
      };
      return { ssl: true, sasl };
    }
  }
}
