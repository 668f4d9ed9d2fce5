/**
 * TLS and SASL settings, from the environment only (ECS injects them from Secrets Manager):
 * KAFKA_TLS=true, KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512),
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD. Never read from the config file, never logged.
 */
export interface KafkaCredentials {
  tls: boolean;
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaCredentials {
  const tls = env.KAFKA_TLS === 'true';
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return { tls };
  if (!MECHANISMS.includes(mechanism as (typeof MECHANISMS)[number])) {
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`);
  }
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  if (!username || !password) {
    throw new Error(
      'KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
    );
  }
  return { tls, sasl: { mechanism: mechanism as (typeof MECHANISMS)[number], username, password } };
}
