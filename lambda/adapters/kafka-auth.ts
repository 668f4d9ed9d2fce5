/**
 * How the autoscaler authenticates to Kafka: none, TLS, SASL/SCRAM with the credentials read
 * from a Secrets Manager secret `{"username","password"}` at cold start and cached for the life
 * of the execution environment (never from plain environment variables, never logged), or MSK
 * IAM: SASL/OAUTHBEARER with a token signed by AWS's MSK IAM signer from the function's own
 * role credentials (over TLS), fetched anew whenever kafkajs (re)authenticates. A private CA's
 * PEM bundle (LAGPILOT_KAFKA_CA_SECRET_ARN) is read once at cold start too, and trusted for TLS.
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

async function secretString(client: SecretsManagerClient, arn: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  return SecretString ?? '';
}

async function readScramSecret(client: SecretsManagerClient, arn: string): Promise<ScramSecret> {
  const text = await secretString(client, arn);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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

/** The PEM bundle of a private CA, checked for at least one certificate (never echoed). */
async function readCaBundle(client: SecretsManagerClient, arn: string): Promise<string> {
  const pem = await secretString(client, arn);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw AUTOSCALER_PARAMETERS.error([
      {
        field: 'LAGPILOT_KAFKA_CA_SECRET_ARN',
        value: arn,
        message:
          'the secret must hold PEM certificates (-----BEGIN CERTIFICATE----- …) as its string',
      },
    ]);
  }
  return pem;
}

/** The kafkajs `ssl`/`sasl` options for the configured auth; secrets are read once. */
export async function kafkaSecurity(
  kafka: LagpilotConfig['kafka'],
  secrets: () => SecretsManagerClient,
  region: string | undefined,
): Promise<KafkaSecurity> {
  const { sasl, tls } = await kafkaSasl(kafka, secrets, region);
  if (!tls) return sasl ? { ssl: false, sasl } : { ssl: false };
  const ssl = kafka.caSecretArn ? { ca: [await readCaBundle(secrets(), kafka.caSecretArn)] } : true;
  return sasl ? { ssl, sasl } : { ssl };
}

async function kafkaSasl(
  kafka: LagpilotConfig['kafka'],
  secrets: () => SecretsManagerClient,
  region: string | undefined,
): Promise<{ tls: boolean; sasl?: SASLOptions }> {
  switch (kafka.auth) {
    case 'none':
      return { tls: kafka.tls };
    case 'tls':
      return { tls: true };
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const { username, password } = await readScramSecret(secrets(), kafka.secretArn ?? '');
      return { tls: kafka.tls, sasl: { mechanism: kafka.auth, username, password } };
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
      return { tls: true, sasl };
    }
  }
}
