// Compares the records table with the source's ground truth: every source entry at or before the
// watermark must be stored. Used by `npm start`'s summary and the sync tests.
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeys } from '../../functions/shared/tables.js';
import type { Watermark } from '../../functions/sync/watermark.js';

export interface GapReport {
  readonly recordsInTable: number;
  /** Source entries at or before the watermark: the ones the table must hold. */
  readonly sourceEntriesCovered: number;
  readonly sourceEntriesTotal: number;
  /** Keys of covered source entries missing from the table. */
  readonly missingKeys: readonly string[];
}

export async function storedRecordKeys(
  documentClient: DynamoDBDocumentClient,
  recordsTable: string,
  job: string,
): Promise<Set<string>> {
  const keys = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: recordsTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordKeys.jobPartition(job) },
        ProjectionExpression: 'sk',
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) keys.add(String(item.sk));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return keys;
}

/**
 * Entries that arrived at the source after the last run read it (`arrivedAtMs` later than
 * `lastReadAtMs`) are not gaps yet: the next run's overlap window picks them up.
 */
export function findGaps(
  source: readonly { id: string; timestamp: number; arrivedAtMs?: number }[],
  stored: ReadonlySet<string>,
  watermark: Watermark | undefined,
  lastReadAtMs = Number.POSITIVE_INFINITY,
): GapReport {
  const covered = watermark
    ? source.filter((e) => e.timestamp <= watermark.timestampMs && (e.arrivedAtMs ?? 0) <= lastReadAtMs)
    : [];
  return {
    recordsInTable: stored.size,
    sourceEntriesCovered: covered.length,
    sourceEntriesTotal: source.length,
    missingKeys: covered.filter((entry) => !stored.has(entry.id)).map((entry) => entry.id),
  };
}
