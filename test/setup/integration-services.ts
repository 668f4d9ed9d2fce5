import type { TestProject } from 'vitest/node';
import { type Broker, startBroker } from '../../dev/kafka-broker.ts';
import { type Moto, startMoto } from '../../dev/moto-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap address of the broker every integration test shares (`host:port`). */
    kafkaBrokers: string;
    /** The broker's Kafka version, or `external`. */
    kafkaVersion: string;
    /** moto's endpoint for the AWS SDK. */
    awsEndpoint: string;
  }
}

/** Starts one real Kafka broker and one moto server for the integration tier; stops both after. */
export default async function setup(project: TestProject) {
  const started = Date.now();
  let broker: Broker | undefined;
  let moto: Moto | undefined;
  try {
    [broker, moto] = await Promise.all([startBroker(), startMoto()]);
  } catch (err) {
    await Promise.all([broker?.stop(), moto?.stop()]);
    throw err;
  }
  process.stderr.write(
    `[lagpilot] integration services up in ${Date.now() - started} ms: Kafka ${broker.version} on ${broker.brokers}, moto on ${moto.endpoint}\n`,
  );
  project.provide('kafkaBrokers', broker.brokers);
  project.provide('kafkaVersion', broker.version);
  project.provide('awsEndpoint', moto.endpoint);
  return async () => {
    await Promise.all([broker?.stop(), moto?.stop()]);
  };
}
