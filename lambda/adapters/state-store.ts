/**
 * Where the autoscaler keeps its history between steps (never in process memory on AWS).
 *
 * DynamoDB: one item per scaled service, `pk` = "<cluster>/<service>", with `version` (N) and
 * `state` (B: gzipped JSON — ~60 KB of JSON for 1,000 partitions shrinks well below the 400 KB
 * item limit). Saves are conditional on the version read, so two overlapping steps can never
 * both act: the second one's save fails with StateConflictError and it holds.
 *
 * MemoryStateStore: the same contract in memory, for the local system and tests.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AutoscalerError,
  EMPTY_STATE,
  messageOf,
  type ScalerState,
  StateConflictError,
  type StateStore,
  type Versioned,
} from '../core/index.ts';

/** A stored state written by an older shape gets the fields it lacks from EMPTY_STATE. */
const revive = (json: string): ScalerState => ({
  ...EMPTY_STATE,
  ...(JSON.parse(json) as Partial<ScalerState>),
});

export class DynamoStateStore implements StateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    readonly key: string,
  ) {}

  async load(): Promise<Versioned<ScalerState>> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { pk: { S: this.key } },
          ConsistentRead: true,
        }),
      );
      if (!Item?.state?.B || !Item.version?.N) return { value: EMPTY_STATE, version: 0 };
      return {
        value: revive(gunzipSync(Item.state.B).toString('utf8')),
        version: Number(Item.version.N),
      };
    } catch (error) {
      throw new AutoscalerError(
        'transient',
        `reading state ${this.key} from ${this.table} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async save(state: ScalerState, expected: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: this.key },
            version: { N: String(expected + 1) },
            state: { B: gzipSync(JSON.stringify(state)) },
          },
          ...(expected === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(this.key);
      throw new AutoscalerError(
        'transient',
        `writing state ${this.key} to ${this.table} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}

export class MemoryStateStore implements StateStore {
  private stored: Versioned<string> | undefined;

  constructor(readonly key = 'local') {}

  async load(): Promise<Versioned<ScalerState>> {
    if (!this.stored) return { value: EMPTY_STATE, version: 0 };
    return { value: revive(this.stored.value), version: this.stored.version };
  }

  async save(state: ScalerState, expected: number): Promise<void> {
    if ((this.stored?.version ?? 0) !== expected) throw new StateConflictError(this.key);
    // Stored as JSON, like DynamoDB: a caller cannot mutate the kept state by reference.
    this.stored = { value: JSON.stringify(state), version: expected + 1 };
  }
}
