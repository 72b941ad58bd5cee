// The job's watermark: the (source timestamp, key) position up to which every record is stored.
// Commits are fenced (a transaction with a ConditionCheck on the caller's lease) and monotonic, so a
// run that lost its lease cannot move it, and no run can move it back.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { isLockFenceRejection, type TransactWriteItem } from '../lock/fence.js';
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
   * Moves the watermark forward to `to`, only while `fenceCheck` (`lockFenceConditionCheck(lease)`)
   * holds. A position at or behind the stored one is accepted and changes nothing, so a retry of
   * a commit that already landed succeeds. Throws LeaseLostError when the lease is no longer ours.
   */
  async commit(
    job: string,
    to: Watermark,
    fenceCheck: TransactWriteItem,
    writer: { runId: string; fence: number; committedAtMs: number },
  ): Promise<void> {
    try {
      await this.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            fenceCheck,
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
      if (isLockFenceRejection(error, 0)) throw new LeaseLostError(job);
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
      ) {
        return; // already at or past `to`
      }
      throw error;
    }
  }
}
