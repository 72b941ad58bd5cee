// The index the audit reads is eventually consistent: a record written (or deleted) a moment ago may
// not show there yet. So before a difference is reported or repaired, the records it concerns are read
// from the table itself with a strongly consistent BatchGetItem, 100 keys a call. In a table without
// differences this costs nothing: only suspects are read.
// "Reads from global secondary indexes are eventually consistent":
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../shared/concurrency.js';
import { recordKeys, SORT_KEY } from '../shared/tables.js';
import { contentHash } from '../sync/record-content.js';
import { backoffMs, READ_BATCH_SIZE } from '../sync/stored-versions.js';
import type { PageDifferences, StaleRecord } from './compare-page.js';
import type { IndexedRecord, ReadCounter } from './stored-window.js';

const MAX_ATTEMPTS = 8;

/** The page's differences as the table itself has them now. */
export async function confirmDifferences(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
  suspects: PageDifferences,
  reads: ReadCounter,
): Promise<PageDifferences> {
  const keys = new Set<string>();
  for (const record of suspects.missing) {
    keys.add(record.key);
    if (record.legacyKey !== undefined) keys.add(record.legacyKey);
  }
  for (const { storedKey } of suspects.stale) keys.add(storedKey);
  for (const { key } of suspects.extra) keys.add(key);
  if (keys.size === 0) return suspects;
  const held = await readConsistently(documentClient, tableName, job, [...keys], reads);

  const missing: PageDifferences['missing'] = [];
  const stale: StaleRecord[] = [];
  const differs = (stored: IndexedRecord, record: StaleRecord['record']) =>
    stored.contentHash !== contentHash(record.data) || stored.sourceTimestampMs !== record.sourceTimestampMs;
  for (const record of suspects.missing) {
    const storedKey = held.has(record.key)
      ? record.key
      : record.legacyKey !== undefined && held.has(record.legacyKey)
        ? record.legacyKey
        : undefined;
    const stored = storedKey === undefined ? undefined : held.get(storedKey);
    if (storedKey === undefined || !stored) missing.push(record);
    else if (differs(stored, record)) stale.push({ record, storedKey });
  }
  for (const suspect of suspects.stale) {
    const stored = held.get(suspect.storedKey);
    if (!stored) missing.push(suspect.record);
    else if (differs(stored, suspect.record)) stale.push(suspect);
  }
  // Still there as the index showed it: gone, or rewritten since, it is not this page's extra.
  const extra = suspects.extra.filter((record) => {
    const stored = held.get(record.key);
    return (
      stored !== undefined &&
      stored.sourceTimestampMs === record.sourceTimestampMs &&
      stored.contentHash === record.contentHash
    );
  });
  return { missing, stale, extra };
}

async function readConsistently(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
  keys: readonly string[],
  reads: ReadCounter,
): Promise<Map<string, IndexedRecord>> {
  const held = new Map<string, IndexedRecord>();
  for (let i = 0; i < keys.length; i += READ_BATCH_SIZE) {
    let pending: Record<string, unknown>[] = keys
      .slice(i, i + READ_BATCH_SIZE)
      .map((key) => recordKeys.record(job, key));
    for (let attempt = 1; pending.length > 0; attempt++) {
      reads.readRequests++;
      const answer = await documentClient.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: '#sk, #ts, #hash',
              ExpressionAttributeNames: { '#sk': SORT_KEY, '#ts': 'sourceTimestamp', '#hash': 'contentHash' },
            },
          },
        }),
      );
      for (const item of answer.Responses?.[tableName] ?? []) {
        const key = String(item[SORT_KEY]);
        held.set(key, {
          key,
          sourceTimestampMs: Number(item.sourceTimestamp),
          contentHash: String(item.contentHash),
        });
      }
      pending = (answer.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length > 0) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new Error(
            `Reading ${pending.length} records of ${tableName} left them unprocessed ${attempt} times (throttled)`,
          );
        }
        await sleep(backoffMs(attempt));
      }
    }
  }
  return held;
}
