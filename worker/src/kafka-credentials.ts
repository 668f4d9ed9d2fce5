import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { ConfigError } from '../../kit/params/config-error.ts';

/**
 * TLS and SASL settings, from the environment only (ECS injects them from Secrets Manager):
 * KAFKA_TLS=true, KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512),
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD. Never read from the config file, never logged.
 * KAFKA_SASL_MECHANISM=aws-msk-iam is MSK IAM instead: SASL/OAUTHBEARER with a token the MSK
 * signer makes from the task role's credentials for AWS_REGION, new on each (re)authentication.
 * KAFKA_TLS_CA: the PEM bundle of a private CA (ECS injects it from Secrets Manager), trusted
 * for TLS instead of the public CAs.
 */
export interface KafkaCredentials {
  /** false, true (the public CAs), or the private CA to trust; kafkajs takes it as `ssl`. */
  tls: boolean | { ca: string[] };
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

/** TLS as KAFKA_TLS and KAFKA_TLS_CA say; a CA without TLS is a contradiction, not ignored. */
function tlsFromEnv(env: NodeJS.ProcessEnv, implied: boolean): KafkaCredentials['tls'] {
  const tls = implied || env.KAFKA_TLS === 'true';
  const ca = env.KAFKA_TLS_CA;
  if (!ca) return tls;
  if (!tls) {
    throw credentialsError(
      'KAFKA_TLS_CA',
      'a CA bundle only applies over TLS: set KAFKA_TLS=true, or remove KAFKA_TLS_CA',
    );
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw credentialsError(
      'KAFKA_TLS_CA',
      'must hold PEM certificates (-----BEGIN CERTIFICATE----- …)',
    );
  }
  return { ca: [ca] };
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaCredentials {
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return { tls: tlsFromEnv(env, false) };
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
      tls: tlsFromEnv(env, true),
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
    tls: tlsFromEnv(env, false),
    sasl: {
      mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512',
      username,
      password,
    },
  };
}
