// Where the upgrade to unambiguous record keys (record-key.ts) happened, kept once per job in the control
// table (`job#<name>` / `record-keys`), so every run after it stores each record under one key: the
// legacy key for a record an older version may have stored (source time at or before the cutover), the
// new one for the rest. Written by the first run of this version and never changed after: a re-read of
// the overlap window after the upgrade therefore updates the records stored before it and adds no twins.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LockItemSnapshot } from '../lock/lock-item.js';
import { controlKeys, PARTITION_KEY } from '../shared/tables.js';

export interface CutoverContext {
  /**
   * True when nothing can have been stored the old way: the job's lock had never been taken and it
   * has no watermark (its first run ever). A fresh job then gets unambiguous keys for its whole backfill.
   */
  readonly firstRunOfJob: boolean;
  /** The end of this run's window: no run before it can have stored a record newer than this. */
  readonly windowEndMs: number;
  /** The lock as this run found it: when the last run before it held it. */
  readonly previousLock: LockItemSnapshot | undefined;
  /** How far this run's window reaches past its clock for the endpoint's skew. */
  readonly skewAllowanceMs: number;
  readonly nowMs: number;
}

export class RecordKeyCutoverStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The newest source time whose records keep legacy keys, or undefined when none do. The first call for
   * a job records it; later calls (and a run racing the first) read the recorded value.
   */
  async legacyKeysUpToMs(job: string, context: CutoverContext): Promise<number | undefined> {
    const recorded = await this.read(job);
    if (recorded) return recorded.legacyKeysUpToMs;
    const legacyKeysUpToMs = context.firstRunOfJob ? undefined : lastLegacyWindowEndMs(context);
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...controlKeys.recordKeys(job),
            encoding: 'escaped-typed',
            ...(legacyKeysUpToMs === undefined ? {} : { legacyKeysUpToMs }),
            recordedAt: context.nowMs,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return legacyKeysUpToMs;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another run (or an SDK retry of ours that had landed) recorded it first: its value stands.
      return (await this.read(job))?.legacyKeysUpToMs;
    }
  }

  private async read(job: string): Promise<{ legacyKeysUpToMs: number | undefined } | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: controlKeys.recordKeys(job), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      legacyKeysUpToMs: typeof Item.legacyKeysUpToMs === 'number' ? Item.legacyKeysUpToMs : undefined,
    };
  }
}

/**
 * The latest window end a run before this one can have had. Every run computes its window end once,
 * while its lease is live, as its clock plus the skew allowance; and the lease of every earlier run
 * ended before the last holder took the lock. So the last holder's latest moment (its release, or its
 * lease end if it never released) plus the allowance bounds every record stored the old way. Entries
 * stamped after it, even ones this run is first to read, get unambiguous keys.
 */
function lastLegacyWindowEndMs(context: CutoverContext): number {
  const lock = context.previousLock;
  if (!lock) return context.windowEndMs;
  const lastHeldMs = Math.max(lock.acquiredAtMs ?? 0, lock.releasedAtMs ?? 0, lock.leaseUntilMs ?? 0);
  if (lastHeldMs === 0) return context.windowEndMs;
  return Math.min(context.windowEndMs, lastHeldMs + context.skewAllowanceMs);
}
