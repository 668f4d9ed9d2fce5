/**
 * The lag source, connected again with freshly read credentials once Kafka refused them: the
 * SCRAM secret is read when the client is built, so after a rotation a warm Lambda environment
 * would fail every step until it is recycled. The refused step fails as before; the next one
 * reads the secret again.
 */

import type { LagSnapshot, LagSource } from '../core/index.ts';
import { kafkaErrorType } from './kafka-errors.ts';

export interface ClosableLagSource extends LagSource {
  close(): Promise<void>;
}

export class RenewingLagSource implements LagSource {
  #source: Promise<ClosableLagSource>;

  constructor(
    first: ClosableLagSource,
    private readonly connect: () => Promise<ClosableLagSource>,
  ) {
    this.#source = Promise.resolve(first);
  }

  async observe(): Promise<LagSnapshot> {
    const source = await this.#source;
    try {
      return await source.observe();
    } catch (error) {
      if (kafkaErrorType(error) === 'SASL_AUTHENTICATION') {
        // A failed rebuild (the secret unreadable) is retried at the step after.
        this.#source = this.connect().catch(() => source);
        void source.close().catch(() => {});
      }
      throw error;
    }
  }
}
