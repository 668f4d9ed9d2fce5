import { type Consumer, kGetApi, type Producer } from '@platformatic/kafka';
import { ConfigError } from '../../kit/params/config-error.ts';
import image from '../package.json' with { type: 'json' };

type Callback<T> = (error: Error | null, value?: T) => void;
type Api = ((...args: unknown[]) => void) & { version?: number; key?: number };
interface Internals {
  [kGetApi](name: string, callback: Callback<Api>): void;
}
interface HeartbeatResponse {
  memberEpoch: number;
}
/** ConsumerGroupHeartbeat's member epoch argument (after connection, group id, member id). */
const EPOCH_ARG = 3;
/** A heartbeat that leaves the group. */
const LEAVE_EPOCH = -1;
/** Heartbeat errors after which the broker counts this member as owning nothing. */
const FENCED_MEMBER_EPOCH = 110;
const UNKNOWN_MEMBER_ID = 25;

export interface MembershipHooks {
  /** The client's assignment changed (synchronously, before it tells the broker anything). */
  onAssignment(assignments: Array<{ topic: string; partitions: number[] }>): void;
  /**
   * Awaited before each heartbeat is sent; a heartbeat that omits a revoked partition is what
   * lets the broker give it to its next owner. Undefined: nothing to wait for.
   */
  beforeHeartbeat(): Promise<void> | undefined;
  /** The broker fenced this member: it owns nothing any more, whatever it was reading. */
  onFenced(): void;
}

/** The member epoch the broker last gave this member, for commits; undefined while not a member. */
export interface Membership {
  memberEpoch(): number | undefined;
}

/**
 * Hooks into the @platformatic/kafka consumer-protocol (KIP-848) membership, which has no hook
 * of its own between "partitions revoked" and the heartbeat that acknowledges it to the broker:
 * the client sets `assignments` and then sends that heartbeat. Here every change of
 * `assignments` is reported synchronously, and every ConsumerGroupHeartbeat waits for
 * `beforeHeartbeat`, so the revoked partitions can be drained and committed before the broker
 * hands them over. Both seams are checked at start-up: if a client version lacks them, this
 * throws a configuration error naming the version instead of running without the drain.
 */
export function watchMembership(consumer: Consumer, hooks: MembershipHooks): Membership {
  const internals = consumer as unknown as Internals;
  const getApi = internals[kGetApi];
  const field = Object.getOwnPropertyDescriptor(consumer, 'assignments');
  if (typeof getApi !== 'function' || !field || !('value' in field) || !field.configurable) {
    throw new ConfigError('the consumer group protocol cannot be drained safely', [
      {
        field: 'group_protocol',
        message: `@platformatic/kafka ${image.dependencies['@platformatic/kafka']} has no assignments field or API lookup to hook the revocation to; set group_protocol "classic" (MIRROR_GROUP_PROTOCOL)`,
      },
    ]);
  }
  let assignments = field.value as Array<{ topic: string; partitions: number[] }> | null;
  Object.defineProperty(consumer, 'assignments', {
    configurable: true,
    enumerable: true,
    get: () => assignments,
    set: (value: typeof assignments) => {
      assignments = value;
      hooks.onAssignment(value ?? []);
    },
  });
  let epoch: number | undefined;
  internals[kGetApi] = (name: string, callback: Callback<Api>) =>
    getApi.call(consumer, name, (error: Error | null, api?: Api) => {
      if (error || name !== 'ConsumerGroupHeartbeat') return callback(error, api);
      const held = (...args: unknown[]) => {
        const done = args.pop() as Callback<HeartbeatResponse>;
        const send = () =>
          api!(...args, (err: HeartbeatError | null, response?: HeartbeatResponse) => {
            if (response && !err)
              epoch = response.memberEpoch > 0 ? response.memberEpoch : undefined;
            else if (fencedBy(err)) {
              epoch = undefined;
              hooks.onFenced();
              // The client rejoins on FENCED_MEMBER_EPOCH only, and would resend the same epoch
              // forever to a broker that forgot the member (session expired): rejoin on both, as
              // the Java client does.
              err!.response!.errorCode = FENCED_MEMBER_EPOCH;
            }
            done(err, response);
          });
        const wait = args[EPOCH_ARG] === LEAVE_EPOCH ? undefined : hooks.beforeHeartbeat();
        if (wait) void wait.then(send);
        else send();
      };
      // The client reads the API's version (and key) off the function itself.
      callback(null, Object.assign(held, api));
    });
  return { memberEpoch: () => epoch };
}

type HeartbeatError = Error & { response?: { errorCode?: number } };

function fencedBy(err: HeartbeatError | null): boolean {
  const code = err?.response?.errorCode;
  return code === FENCED_MEMBER_EPOCH || code === UNKNOWN_MEMBER_ID;
}

/** The protocol to join with: `consumer` when asked for (or `auto`) and the brokers offer it. */
export async function groupProtocol(
  client: Producer,
  requested: 'classic' | 'consumer' | 'auto',
): Promise<'classic' | 'consumer'> {
  if (requested === 'classic') return 'classic';
  // Kafka 3.7–3.9 list ConsumerGroupHeartbeat v0 (early access) and refuse it unless the
  // protocol was enabled by hand; v1 came with 4.0, where the protocol is generally available.
  await client.metadata({ topics: [] });
  const internals = client as unknown as Internals;
  const offered = await new Promise<boolean>((resolve) =>
    internals[kGetApi]('ConsumerGroupHeartbeat', (error, api) =>
      resolve(!error && (api?.version ?? 0) >= 1),
    ),
  );
  if (offered) return 'consumer';
  if (requested === 'auto') return 'classic';
  throw new ConfigError('the brokers cannot run the requested group protocol', [
    {
      field: 'group_protocol',
      value: 'consumer',
      message:
        'the brokers do not offer the consumer group protocol (ConsumerGroupHeartbeat, Kafka 4.0 or later): set group_protocol "auto" or "classic" (MIRROR_GROUP_PROTOCOL)',
    },
  ]);
}
