import { describe, expect, inject, it } from 'vitest';
import { eventually, testKafka, uniqueName } from '../helpers/kafka.ts';
import { committedEverything, createTopics, produceEvents } from '../helpers/worker-data.ts';
import { WorkerProcess, workersOfBlock } from '../helpers/worker-process.ts';

const PARTITIONS = 6;
const SESSION_MS = 12_000;
/** Shorter than a session, as in the service (30 s of shutdown against a 30 s session at most). */
const SHUTDOWN_SECONDS = 10;

/**
 * A member SIGKILLed, a new one joining: the rebalance waits for the dead member's session to
 * expire. A member SIGTERMed meanwhile holds nothing to drain and must leave at once, not hold
 * the group for a session of its own.
 */
describe.each(['kafkajs+platformatic', 'kafkajs'])(
  `worker stopped during a pending rebalance (%s client, Kafka ${inject('kafkaVersion')})`,
  (client) => {
    const kafka = testKafka();
    const workers = workersOfBlock();

    it('exits 0 promptly, having left, and the group recovers without a second session timeout', async () => {
      const [input, output, group] = ['pend-in', 'pend-out', 'pend-g'].map(uniqueName) as [
        string,
        string,
        string,
      ];
      await createTopics(kafka, { [input]: PARTITIONS, [output]: PARTITIONS });
      await produceEvents(kafka, input, 0, 600, 20);
      const env = {
        MIRROR_APPID: group,
        MIRROR_BOOTSTRAP: inject('kafkaBrokers'),
        MIRROR_INPUT: input,
        MIRROR_OUTPUT: output,
        MIRROR_ON_ERROR: 'skip',
        MIRROR_CLIENT: client,
        MIRROR_HTTP_PORT: '0',
        MIRROR_SHUTDOWN_TIMEOUT: String(SHUTDOWN_SECONDS),
        MIRROR_CONSUMER_PROPERTIES: JSON.stringify({
          'session.timeout.ms': SESSION_MS,
          'heartbeat.interval.ms': 1000,
        }),
      };
      const start = async () => {
        const w = await WorkerProcess.start(env);
        workers.push(w);
        return w;
      };
      const [killed, stopped, stays] = await Promise.all([start(), start(), start()]);
      await Promise.all([killed!.ready(), stopped!.ready(), stays!.ready()]);
      await eventually(async () =>
        (await committedEverything(kafka, group, input)) ? true : undefined,
      );

      const admin = kafka.admin();
      await admin.connect();
      const stableWith = (members: number, timeoutMs: number) =>
        eventually(
          async () => {
            const [g] = (await admin.describeGroups([group])).groups;
            return g!.state === 'Stable' && g!.members.length === members ? true : undefined;
          },
          timeoutMs,
          100,
        );
      await stableWith(3, 30_000);

      const killedAt = Date.now();
      killed!.signal('SIGKILL');
      const seen = stopped!.logs.length;
      // Its join starts a rebalance that waits for the killed member's session to expire.
      const joiner = await start();
      await eventually(async () =>
        stopped!.logs.slice(seen).some((l) => l.message.includes('rebalancing')) ? true : undefined,
      );
      const termAt = Date.now();
      stopped!.signal('SIGTERM');
      const code = await stopped!.exited;
      const exitSeconds = (Date.now() - termAt) / 1000;
      try {
        await stableWith(2, 90_000);
      } finally {
        await admin.disconnect();
      }
      const recoveredSeconds = (Date.now() - killedAt) / 1000;
      console.log(
        `${client}: SIGTERM → exit ${exitSeconds.toFixed(1)} s; SIGKILL → group stable ${recoveredSeconds.toFixed(1)} s`,
      );

      expect(code, stopped!.stderr).toBe(0);
      expect(stopped!.events('stopped')[0]).toMatchObject({ drained: true, closed: true });
      expect(stopped!.events('group_leave')).toHaveLength(1);
      // Well inside one session: it did not wait for the pending join.
      expect(exitSeconds).toBeLessThan(SESSION_MS / 1000 / 2);
      // One session (the killed member's) and the rejoin, not a second session for the stopped one.
      expect(recoveredSeconds).toBeLessThan((SESSION_MS / 1000) * 1.5);

      // The two left consume every partition again.
      await produceEvents(kafka, input, 600, 1200, 20);
      await eventually(
        async () => ((await committedEverything(kafka, group, input)) ? true : undefined),
        60_000,
        500,
      );
      await joiner.ready();
      for (const w of [stays!, joiner]) w.signal('SIGTERM');
      expect(await stays!.exited).toBe(0);
      expect(await joiner.exited).toBe(0);
    });
  },
);
