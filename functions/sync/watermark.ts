// The job's watermark: the (source timestamp, key) position up to which every record is stored.
// Commits are fenced (a transaction with a ConditionCheck on the caller's lease) and monotonic, so a
// run that lost its lease cannot move it, and no run can move it back.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteConditionCheck,
} from '@aws-sdk/lib-dynamodb';
import { SyncWardenError } from '../shared/errors.js';
import { controlKeys, PARTITION_KEY } from '../shared/tables.js';

export interface Watermark {
  /** Every source record with a timestamp at or before this one has been stored. */
  readonly timestampMs: number;
  /** Greatest record key at `timestampMs`: the tie-breaker of the position. */
  readonly key: string;
}

/** Orders positions by timestamp, then key. */
export function compareWatermarks(a: Watermark, b: Watermark): number {
  if (a.timestampMs !== b.timestampMs) return a.timestampMs - b.timestampMs;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export class LeaseLostError extends SyncWardenError {
  constructor(job: string) {
    super(`The lease on job ${job} was taken over by another run; progress was not committed`, 'lease-lost');
  }
}

export class WatermarkStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(job: string): Promise<Watermark | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: controlKeys.watermark(job), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { timestampMs: Number(Item.timestampMs), key: String(Item.key) };
  }

  /**
   * Moves the watermark forward to `to`, only while `fenceCheck` (the lease's condition on the lock
   * item) holds. A position at or behind the stored one is accepted and changes nothing, so a retry of
   * a commit that already landed succeeds. Throws LeaseLostError when the lease is no longer ours.
   */
  async commit(
    job: string,
    to: Watermark,
    fenceCheck: TransactWriteConditionCheck,
    writer: { runId: string; fence: number; committedAtMs: number },
  ): Promise<void> {
    try {
      await this.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            { ConditionCheck: fenceCheck },
            {
              Update: {
                TableName: this.tableName,
                Key: controlKeys.watermark(job),
                UpdateExpression:
                  'SET timestampMs = :ts, #key = :key, runId = :runId, fence = :fence, committedAt = :at',
                ConditionExpression:
                  'attribute_not_exists(#pk) OR timestampMs < :ts OR (timestampMs = :ts AND #key <= :key)',
                ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#key': 'key' },
                ExpressionAttributeValues: {
                  ':ts': to.timestampMs,
                  ':key': to.key,
                  ':runId': writer.runId,
                  ':fence': writer.fence,
                  ':at': writer.committedAtMs,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [lease, watermark] = error.CancellationReasons ?? [];
      if (lease?.Code === 'ConditionalCheckFailed') throw new LeaseLostError(job);
      if (watermark?.Code === 'ConditionalCheckFailed') return; // already at or past `to`
      throw error;
    }
  }
}
