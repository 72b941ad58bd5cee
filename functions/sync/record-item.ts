// One record as the records table holds it, and the one rule that decides whether a version may replace
// the stored one. The rule is applied twice, by the same definition: by DynamoDB, as the condition of a
// replacing PutItem, and by the store itself on a version it read back (stored-versions.ts), to skip
// writing what the table already holds.
import { keySortsBySourceTime } from '../shared/source-time-order.js';
import { PARTITION_KEY, RECORDS_BY_SOURCE_TIME, recordKeys, SORT_KEY } from '../shared/tables.js';
import { contentHash } from './record-content.js';
import type { RecordVersion, SourceRecord, WriterIdentity } from './records-store.js';
import { ESCAPED_FIELD_NAMES, toStorableData } from './stored-data.js';

/** The attributes of a stored record that the replacement rule reads. */
export interface StoredVersion {
  readonly sourceTimestamp: number;
  readonly contentHash: string;
  readonly fence: number;
  readonly readAt: number;
}

/** The names of StoredVersion's attributes: what a read-back projects. */
export const STORED_VERSION_ATTRIBUTES = ['sourceTimestamp', 'contentHash', 'fence', 'readAt'] as const;

/**
 * The item a record is stored as, with the version attributes the rule compares. A record whose key does
 * not sort by its source time also carries the audit index's key, `auditTime` (source-time-order.ts).
 */
export function recordItem(record: SourceRecord, writer: WriterIdentity, version: RecordVersion) {
  const { data, fieldNamesEscaped } = toStorableData(record.data);
  const keys = recordKeys.record(writer.job, record.key);
  const item: {
    [PARTITION_KEY]: string;
    [SORT_KEY]: string;
    sourceTimestamp: number;
    [RECORDS_BY_SOURCE_TIME.sortKey]?: number;
    contentHash: string;
    data: Record<string, unknown>;
    [ESCAPED_FIELD_NAMES.attribute]?: typeof ESCAPED_FIELD_NAMES.value;
    runId: string;
    fence: number;
    readAt: number;
    syncedAt: number;
  } = {
    // Named one by one, not spread: spreading an object into the literal (computed names) takes V8's
    // slow path, about 10 µs a record for the keys, the largest cost of syncwarden's own per record
    // (bench:sync row (e)); the optional attributes below are set the same way.
    [PARTITION_KEY]: keys[PARTITION_KEY],
    [SORT_KEY]: keys[SORT_KEY],
    sourceTimestamp: record.sourceTimestampMs,
    contentHash: contentHash(record.data),
    data,
    runId: writer.runId,
    fence: writer.fence,
    readAt: version.readAtMs,
    syncedAt: version.syncedAtMs,
  };
  if (!keySortsBySourceTime(record.key, record.sourceTimestampMs)) {
    item[RECORDS_BY_SOURCE_TIME.sortKey] = record.sourceTimestampMs;
  }
  if (fieldNamesEscaped) item[ESCAPED_FIELD_NAMES.attribute] = ESCAPED_FIELD_NAMES.value;
  return item;
}

export type RecordItem = ReturnType<typeof recordItem>;

/**
 * True when `incoming` may replace `stored`: under an equal or higher fence, and only a newer version (a
 * newer source timestamp, or the same timestamp with other content read later: an entry the source
 * replaced in place). So a stale run never regresses data and a re-read of the same content changes
 * nothing. The condition expression below is this function, for DynamoDB.
 */
export function mayReplace(stored: StoredVersion, incoming: StoredVersion): boolean {
  return (
    stored.fence <= incoming.fence &&
    (stored.sourceTimestamp < incoming.sourceTimestamp ||
      (stored.sourceTimestamp === incoming.sourceTimestamp &&
        stored.contentHash !== incoming.contentHash &&
        stored.readAt < incoming.readAt))
  );
}

/** A PutItem that stores the item if there is none, or if `mayReplace` holds for the stored one. */
export function replacingPut(tableName: string, item: RecordItem) {
  return {
    TableName: tableName,
    Item: item,
    ConditionExpression:
      'attribute_not_exists(#pk) OR (#fence <= :fence AND (#ts < :ts OR ' +
      '(#ts = :ts AND #hash <> :hash AND #readAt < :readAt)))',
    ExpressionAttributeNames: {
      '#pk': PARTITION_KEY,
      '#ts': 'sourceTimestamp',
      '#fence': 'fence',
      '#hash': 'contentHash',
      '#readAt': 'readAt',
    },
    ExpressionAttributeValues: {
      ':ts': item.sourceTimestamp,
      ':fence': item.fence,
      ':hash': item.contentHash,
      ':readAt': item.readAt,
    },
  };
}
