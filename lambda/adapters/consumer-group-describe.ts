/**
 * Groups that DescribeGroups does not describe: a group of the consumer rebalance protocol
 * (KIP-848, GA in Kafka 4.0) or a share group (KIP-932, GA in 4.2) answers there as Dead with
 * no members. Their state and members come from ConsumerGroupDescribe (API key 69) and
 * ShareGroupDescribe (77), which kafkajs (2.2.4, its last release) does not have. Both answer
 * with the same leading fields, read here up to the member count. Each request goes over
 * kafkajs' own connection to the group coordinator, so TLS and SASL (MSK IAM included) are the
 * ones the admin client uses (see kafka-cluster.ts).
 */

import type { Kafka } from 'kafkajs';
import { LagpilotError } from '../../kit/errors.ts';
import type { GroupState, GroupStateName } from '../core/index.ts';
import { type LazyCluster, sharedCluster } from './kafka-cluster.ts';
import {
  compactArray,
  compactString,
  flexibleBody,
  Reader,
  sendRaw,
  versionFor,
} from './kafka-wire.ts';

/** One describe API: its key, the versions lagpilot reads (all with the same leading fields). */
export interface DescribeApi {
  apiKey: number;
  apiName: string;
  versions: readonly number[];
}

export const CONSUMER_GROUP_DESCRIBE: DescribeApi = {
  apiKey: 69,
  apiName: 'ConsumerGroupDescribe',
  versions: [0],
};
/** v0 was 4.0's early access, removed in 4.1; v1 is the stable one. */
export const SHARE_GROUP_DESCRIBE: DescribeApi = {
  apiKey: 77,
  apiName: 'ShareGroupDescribe',
  versions: [1],
};

/** Not a group of this API's type, or none at all. */
const GROUP_ID_NOT_FOUND = 69;
/** The broker lists the API but has the protocol off (Kafka 3.x). */
const UNSUPPORTED_VERSION = 35;

/**
 * The states of consumer and share groups, as the classic names the rest of lagpilot reads:
 * Assigning (the coordinator computes a new target assignment) and Reconciling (members are
 * still moving to it) are both a rebalance in progress. A share group is Empty, Stable or Dead.
 */
const STATES: Record<string, GroupStateName> = {
  Empty: 'Empty',
  Assigning: 'PreparingRebalance',
  Reconciling: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
};

/** Error codes lag-source.ts explains to the operator, by kafkajs' type names. */
const ERROR_TYPES: Record<number, string> = {
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
};

export class GroupDescribeError extends LagpilotError {
  /** kafkajs' type name for the code, where lag-source.ts has a fix to name. */
  readonly type: string | undefined;

  constructor(
    readonly apiName: string,
    readonly groupId: string,
    readonly code: number,
    message: string | null,
  ) {
    // Coordinator moving or loading (14, 15, 16): the next step asks again.
    super(
      code === 14 || code === 15 || code === 16 ? 'transient' : 'fatal',
      `${apiName} for group ${groupId} failed with Kafka error code ${code}${message ? `: ${message}` : ''}`,
    );
    this.type = ERROR_TYPES[code];
  }
}

/** The request body for one group (the same for ConsumerGroupDescribe v0 and ShareGroupDescribe v1). */
export function encodeRequest(groupId: string): Buffer {
  return flexibleBody([
    ...compactArray([compactString(groupId)]),
    0, // include_authorized_operations = false
  ]);
}

/**
 * The group's state and member count from a response (after the correlation id), or undefined
 * when the group is not of the API's type (or does not exist, or the broker does not run it).
 */
export function decodeResponse(
  groupId: string,
  payload: Buffer,
  apiName = CONSUMER_GROUP_DESCRIBE.apiName,
): GroupState | undefined {
  const r = new Reader(payload);
  r.taggedFields(); // response header v1
  r.int32(); // throttle_time_ms
  if (r.arrayLength() < 1) return undefined;
  const code = r.int16();
  const message = r.string();
  if (code === GROUP_ID_NOT_FOUND || code === UNSUPPORTED_VERSION) return undefined;
  if (code !== 0) throw new GroupDescribeError(apiName, groupId, code, message);
  r.string(); // group_id
  const state = r.string() ?? '';
  r.int32(); // group_epoch
  r.int32(); // assignment_epoch
  r.string(); // assignor_name
  // Only the count is needed: the members themselves are not read.
  const members = r.arrayLength();
  return { state: STATES[state] ?? 'Unknown', members };
}

/** Describes groups of one API over the cluster lagpilot's own requests share. */
export class GroupDescriber {
  private readonly cluster: LazyCluster;

  constructor(
    kafka: Kafka,
    private readonly api: DescribeApi,
  ) {
    this.cluster = sharedCluster(kafka);
  }

  /** The group's state, or undefined when the broker or the group does not speak the API. */
  async describe(groupId: string): Promise<GroupState | undefined> {
    const cluster = await this.cluster.get();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const { apiKey, apiName, versions } = this.api;
    const apiVersion = versionFor(coordinator, apiKey, versions);
    if (apiVersion === undefined) return undefined;
    return sendRaw(coordinator, {
      apiKey,
      apiVersion,
      apiName,
      body: encodeRequest(groupId),
      parse: (payload) => decodeResponse(groupId, payload, apiName),
    });
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}

/** Groups of the consumer rebalance protocol (KIP-848). */
export class ConsumerGroupDescriber extends GroupDescriber {
  constructor(kafka: Kafka) {
    super(kafka, CONSUMER_GROUP_DESCRIBE);
  }
}
