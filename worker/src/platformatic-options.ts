import type { SASLMechanismValue } from '@platformatic/kafka';
import type { KafkaCredentials } from './kafka-credentials.ts';

/** What every @platformatic/kafka client of the worker connects with. */
export interface PlatformaticBase {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: object;
  sasl?: {
    mechanism: SASLMechanismValue;
    username?: string;
    password?: string;
    token?: () => Promise<string>;
  };
}

export function platformaticBase(
  brokers: string[],
  credentials: KafkaCredentials,
  clientId: string,
): PlatformaticBase {
  const base: PlatformaticBase = { clientId, bootstrapBrokers: brokers };
  if (credentials.tls) base.tls = credentials.tls === true ? {} : { ca: credentials.tls.ca };
  const sasl = credentials.sasl;
  if (sasl?.mechanism === 'oauthbearer') {
    base.sasl = { mechanism: 'OAUTHBEARER', token: sasl.token };
  } else if (sasl) {
    base.sasl = { ...sasl, mechanism: sasl.mechanism.toUpperCase() as SASLMechanismValue };
  }
  return base;
}
