import { describe, expect, it } from 'vitest';
import {
  type ClosableLagSource,
  RenewingLagSource,
} from '../../lambda/adapters/renewing-lag-source.ts';
import { AutoscalerError, type LagSnapshot } from '../../lambda/core/index.ts';

const snapshot: LagSnapshot = {
  topics: ['t'],
  partitions: [],
  partitionCount: 0,
  group: { state: 'Stable', members: 1 },
};
const refused = () =>
  new AutoscalerError('config', 'Kafka brokers b:9096 refused lagpilot', {
    cause: Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    }),
  });

/** A source built with the password of its generation: only `current` is accepted. */
function cluster() {
  const state = { current: 1, built: 0, closed: 0 };
  const build = (): ClosableLagSource => {
    const password = ++state.built;
    return {
      observe: async () => {
        if (password !== state.current) throw refused();
        return snapshot;
      },
      close: async () => {
        state.closed++;
      },
    };
  };
  return { state, build, connect: async () => build() };
}

describe('RenewingLagSource', () => {
  it('reads the credentials again after Kafka refused them: the next step connects with the new ones', async () => {
    const c = cluster();
    const lag = new RenewingLagSource(c.build(), c.connect);
    expect(await lag.observe()).toBe(snapshot);
    c.state.current = 2; // the secret was rotated
    await expect(lag.observe()).rejects.toThrow(/refused/);
    expect(await lag.observe()).toBe(snapshot);
    expect(c.state).toMatchObject({ built: 2, closed: 1 });
  });

  it('tries the rebuild again at the next step when reading the secret failed', async () => {
    const c = cluster();
    let unreadable = true;
    const lag = new RenewingLagSource(c.build(), async () => {
      if (unreadable) throw new Error('Secrets Manager throttled');
      return c.build();
    });
    c.state.current = 2;
    await expect(lag.observe()).rejects.toThrow(/refused/);
    await expect(lag.observe()).rejects.toThrow(/throttled/);
    unreadable = false;
    expect(await lag.observe()).toBe(snapshot);
  });

  it('keeps its connection on other failures', async () => {
    let built = 0;
    const failing: ClosableLagSource = {
      observe: async () => {
        throw new Error('broker unreachable');
      },
      close: async () => {},
    };
    const lag = new RenewingLagSource(failing, async () => {
      built++;
      return failing;
    });
    await expect(lag.observe()).rejects.toThrow(/unreachable/);
    expect(built).toBe(0);
  });
});
