// Compares the records table with the simulator's ground truth: every source entry at or before the
// watermark must be stored (no gap) with its current content (not stale), and the table should hold no
// record of that span the source no longer has (a twin left by an entry replaced under a new id). Used by
// `npm start`'s summary and the sync tests. Records are keyed exactly as the sync keys them.
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeys } from '../../functions/shared/tables.js';
import { contentHash } from '../../functions/sync/record-content.js';
import { type RowShape, toSourceRecord } from '../../functions/sync/source-rows.js';
import type { Watermark } from '../../functions/sync/watermark.js';
import type { StreamEntry } from './thingworx-simulator/index.js';
import { streamEntriesTable } from './thingworx-simulator/infotable.js';

export interface StoredRecord {
  readonly sourceTimestampMs: number;
  readonly contentHash: string;
}

export interface GapReport {
  readonly recordsInTable: number;
  /** Source entries at or before the watermark: the ones the table must hold. */
  readonly sourceEntriesCovered: number;
  readonly sourceEntriesTotal: number;
  /** Keys of covered source entries missing from the table. */
  readonly missingKeys: readonly string[];
  /** Keys of covered source entries whose stored content is not the source's current content. */
  readonly staleKeys: readonly string[];
  /** Keys of records between the source's oldest entry and the watermark that the source does not hold. */
  readonly extraKeys: readonly string[];
}

/** Every record of the job: key → timestamp and content hash. */
export async function storedRecords(
  documentClient: DynamoDBDocumentClient,
  recordsTable: string,
  job: string,
): Promise<Map<string, StoredRecord>> {
  const records = new Map<string, StoredRecord>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: recordsTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': recordKeys.jobPartition(job) },
        ProjectionExpression: 'sk, sourceTimestamp, contentHash',
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      records.set(String(item.sk), {
        sourceTimestampMs: Number(item.sourceTimestamp),
        contentHash: String(item.contentHash),
      });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return records;
}

/** The records the sync makes of these entries: the rows the simulator serves, keyed by `shape`. */
export function sourceRecordsOf(entries: readonly StreamEntry[], shape: RowShape) {
  return streamEntriesTable(entries).rows.map((row, index) => toSourceRecord(row, index, shape));
}

/**
 * Entries that arrived (or were replaced) at the source after the last run read it (`arrivedAtMs` later
 * than `lastReadAtMs`) are not gaps yet: the next run's overlap window picks them up.
 */
export function findGaps(
  source: readonly StreamEntry[],
  stored: ReadonlyMap<string, StoredRecord>,
  watermark: Watermark | undefined,
  shape: RowShape,
  lastReadAtMs = Number.POSITIVE_INFINITY,
): GapReport {
  const records = sourceRecordsOf(source, shape);
  const covered = watermark
    ? records.filter(
        (record, i) =>
          record.sourceTimestampMs <= watermark.timestampMs &&
          ((source[i] as StreamEntry).arrivedAtMs ?? 0) <= lastReadAtMs,
      )
    : [];
  // A record stored before the upgrade to unambiguous keys may still sit under its legacy key.
  const storedKeyOf = (record: { key: string; legacyKey?: string }) =>
    !stored.has(record.key) && record.legacyKey !== undefined && stored.has(record.legacyKey)
      ? record.legacyKey
      : record.key;
  const sourceKeys = new Set(records.map(storedKeyOf));
  const oldestMs = records.reduce((min, r) => Math.min(min, r.sourceTimestampMs), Number.POSITIVE_INFINITY);
  return {
    recordsInTable: stored.size,
    sourceEntriesCovered: covered.length,
    sourceEntriesTotal: source.length,
    missingKeys: missingFrom(
      covered.map((record) => ({ key: storedKeyOf(record) })),
      stored,
    ),
    staleKeys: covered
      .filter((record) => {
        const held = stored.get(storedKeyOf(record));
        return held !== undefined && held.contentHash !== contentHash(record.data);
      })
      .map((record) => record.key),
    extraKeys: watermark
      ? [...stored]
          .filter(
            ([key, held]) =>
              !sourceKeys.has(key) &&
              held.sourceTimestampMs >= oldestMs &&
              held.sourceTimestampMs <= watermark.timestampMs,
          )
          .map(([key]) => key)
      : [],
  };
}

/** Keys of entries not in the table. Two entries under one key cannot both be there: the second counts. */
function missingFrom(
  entries: readonly { key: string }[],
  stored: ReadonlyMap<string, StoredRecord>,
): string[] {
  const counted = new Set<string>();
  const missing: string[] = [];
  for (const { key } of entries) {
    if (!stored.has(key) || counted.has(key)) missing.push(key);
    else counted.add(key);
  }
  return missing;
}
