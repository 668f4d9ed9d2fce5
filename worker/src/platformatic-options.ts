import type { SASLMechanismValue } from '@platformatic/kafka';
import type { KafkaCredentials } from './kafka-credentials.ts';

/** What every @platformatic/kafka client of the worker connects with. */
export interface PlatformaticBase {
  clientId: string;
  bootstrapBrokers: string[];
  tls?: object;
  sasl?: { mechanism: SASLMechanismValue; username: string; password: string };
}

export function platformaticBase(
  brokers: string[],
  credentials: KafkaCredentials,
  clientId: string,
): PlatformaticBase {
  const base: PlatformaticBase = { clientId, bootstrapBrokers: brokers };
  if (credentials.tls) base.tls = {};
  if (credentials.sasl) {
    base.sasl = {
      ...credentials.sasl,
      mechanism: credentials.sasl.mechanism.toUpperCase() as SASLMechanismValue,
    };
  }
  return base;
}
