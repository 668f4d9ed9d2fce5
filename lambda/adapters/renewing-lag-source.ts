/**
 * The lag source, connected again with freshly read credentials once Kafka refused them: the
 * SCRAM secret is read when the client is built, so after a rotation a warm Lambda environment
 * would fail every step until it is recycled. The refused step fails as before; the next one
 * reads the secret again (and the one after, if that read failed).
 */

import type { LagSnapshot, LagSource } from '../core/index.ts';
import { kafkaErrorType } from './kafka-errors.ts';

export interface ClosableLagSource extends LagSource {
  close(): Promise<void>;
}

export class RenewingLagSource implements LagSource {
  #source: Promise<ClosableLagSource> | undefined;

  constructor(
    first: ClosableLagSource,
    private readonly connect: () => Promise<ClosableLagSource>,
  ) {
    this.#source = Promise.resolve(first);
  }

  async observe(): Promise<LagSnapshot> {
    const source = await this.#current();
    try {
      return await source.observe();
    } catch (error) {
      if (kafkaErrorType(error) === 'SASL_AUTHENTICATION') {
        this.#source = undefined;
        void source.close().catch(() => {});
      }
      throw error;
    }
  }

  #current(): Promise<ClosableLagSource> {
    this.#source ??= this.connect().catch((error: unknown) => {
      this.#source = undefined;
      throw error;
    });
    return this.#source;
  }
}
