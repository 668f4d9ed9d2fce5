/**
 * Produces keyed JSON records (~250 bytes) at the rate a profile asks for, in small batches on
 * a fixed tick. A tick that falls behind (a slow broker) sends what is due, capped at one
 * second's worth, so the generator never bursts far beyond the profile.
 */
import { type Kafka, Partitioners } from '../kit/kafkajs.ts';
import { sleep } from '../kit/process.ts';

const TICK_MS = 100;
const KEYS = 5_000;
const PAD = 'x'.repeat(120);

export interface TrafficGenerator {
  /** Messages acknowledged so far. */
  readonly sent: () => number;
  stop(): Promise<void>;
}

function record(i: number): { key: string; value: string } {
  const user = `user-${(i * 7919) % KEYS}`;
  return {
    key: user,
    value: JSON.stringify({
      id: i,
      userId: user,
      type: i % 5 === 0 ? 'refund' : 'order',
      amount: (i % 997) / 10,
      at: new Date().toISOString(),
      note: PAD,
    }),
  };
}

export async function startTraffic(
  kafka: Kafka,
  topic: string,
  rateAt: (elapsedMs: number) => number,
): Promise<TrafficGenerator> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = Date.now();
  let sent = 0;
  let next = 0;
  let owed = 0;
  let last = started;
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      owed = Math.min(owed + (rateAt(now - started) * (now - last)) / 1000, rateAt(now - started));
      last = now;
      const n = Math.floor(owed);
      if (n > 0) {
        owed -= n;
        const messages = Array.from({ length: n }, (_, j) => record(next + j));
        next += n;
        // A failed send is dropped (counted out of `sent`): traffic is synthetic.
        await producer.send({ topic, messages }).then(
          () => {
            sent += n;
          },
          () => undefined,
        );
      }
      await sleep(TICK_MS - (Date.now() - now));
    }
  })();
  return {
    sent: () => sent,
    async stop() {
      running = false;
      await loop;
      await producer.disconnect();
    },
  };
}
