import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { ConfigError } from '../../kit/params/config-error.ts';

/**
 * TLS and SASL settings, from the environment only (ECS injects them from Secrets Manager):
 * KAFKA_TLS=true, KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512),
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD. Never read from the config file, never logged.
 * KAFKA_SASL_MECHANISM=aws-msk-iam is MSK IAM instead: SASL/OAUTHBEARER with a token the MSK
 * signer makes from the task role's credentials for AWS_REGION, new on each (re)authentication.
 */
export interface KafkaCredentials {
  tls: boolean;
  sasl?:
    | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
    | { mechanism: 'oauthbearer'; token: () => Promise<string> };
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;

/** A bad credentials setting: the worker exits 2, naming the variable (never a secret's value). */
function credentialsError(field: string, message: string, value?: string): ConfigError {
  return new ConfigError('invalid Kafka credentials settings', [
    { field, message, ...(value === undefined ? {} : { value }) },
  ]);
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaCredentials {
  const tls = env.KAFKA_TLS === 'true';
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return { tls };
  if (!MECHANISMS.includes(mechanism as (typeof MECHANISMS)[number])) {
    throw credentialsError(
      'KAFKA_SASL_MECHANISM',
      `must be one of ${MECHANISMS.join(', ')}`,
      env.KAFKA_SASL_MECHANISM,
    );
  }
  if (mechanism === 'aws-msk-iam') {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) {
      throw credentialsError(
        'AWS_REGION',
        'KAFKA_SASL_MECHANISM=aws-msk-iam signs for a region: set AWS_REGION',
      );
    }
    // MSK's IAM listener is TLS-only.
    return {
      tls: true,
      sasl: {
        mechanism: 'oauthbearer',
        token: async () => (await generateAuthToken({ region })).token,
      },
    };
  }
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  if (!username || !password) {
    throw credentialsError(
      !username ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD',
      `is required while KAFKA_SASL_MECHANISM is ${mechanism}: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (from Secrets Manager)`,
    );
  }
  return {
    tls,
    sasl: {
      mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512',
      username,
      password,
    },
  };
}
