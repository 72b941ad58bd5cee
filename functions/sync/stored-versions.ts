// Reads back the stored versions of records a run expects the table to hold already (the overlap window
// it re-reads on every run), so that re-reading them costs one eventually consistent read each (0.5
// read units for an item up to 4 KB) instead of a conditional write that fails (1 write unit at least).
// "Capacity unit consumption for read operations": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
//
// Why an eventually consistent read is safe here: the read only decides whether to *skip* a write, and
// it skips only a version `mayReplace` refuses. Stored versions only ever move forward under that rule,
// so a stale answer refuses at most what the current item refuses too, with one exception: the current
// item took, in the second or so a stale answer lags, *other* content at the same timestamp, and ours is
// the content the stale one showed. That needs the source to have replaced an entry in place and back
// (A, B, A) while a fenced-out run wrote B moments before this read; the next run's overlap re-reads the
// entry and stores A then. An absent answer only costs an INSERT that finds the item and falls back to
// the conditional put.
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../shared/concurrency.js';
import { PARTITION_KEY, recordKeys, SORT_KEY } from '../shared/tables.js';
import { STORED_VERSION_ATTRIBUTES, type StoredVersion } from './record-item.js';

/** Keys per BatchGetItem (DynamoDB allows 100). */
export const READ_BATCH_SIZE = 100;

export interface StoredVersionRead {
  /** The stored version of each key the table holds, by record key. */
  readonly versions: ReadonlyMap<string, StoredVersion>;
  /** BatchGetItem calls made, retries of unprocessed keys included. */
  readonly requests: number;
}

/**
 * The stored versions of up to READ_BATCH_SIZE record keys of `job`. Keys DynamoDB leaves unprocessed
 * (throttling) are asked again with full-jitter backoff, up to `maxAttempts` calls; then it throws.
 */
export async function readStoredVersions(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
  keys: readonly string[],
  maxAttempts: number,
): Promise<StoredVersionRead> {
  const versions = new Map<string, StoredVersion>();
  let pending: Record<string, unknown>[] = keys.map((key) => recordKeys.record(job, key));
  let requests = 0;
  while (pending.length > 0) {
    requests++;
    const answer = await documentClient.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName]: {
            Keys: pending,
            ProjectionExpression: [SORT_KEY, ...STORED_VERSION_ATTRIBUTES].map((_, i) => `#a${i}`).join(', '),
            ExpressionAttributeNames: Object.fromEntries(
              [SORT_KEY, ...STORED_VERSION_ATTRIBUTES].map((name, i) => [`#a${i}`, name]),
            ),
          },
        },
      }),
    );
    // One table asked: its responses are all there are (none at all when every key went unprocessed).
    for (const item of Object.values(answer.Responses ?? {}).flat()) {
      versions.set(String(item[SORT_KEY]), item as unknown as StoredVersion);
    }
    pending = (answer.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    if (pending.length > 0) {
      if (requests >= maxAttempts) {
        throw new Error(
          `Reading back ${pending.length} records of ${tableName} (${PARTITION_KEY} ${recordKeys.jobPartition(job)}) left them unprocessed ${requests} times (throttled)`,
        );
      }
      await sleep(backoffMs(requests));
    }
  }
  return { versions, requests };
}

/** Full jitter over an exponential step: 25 ms doubling, at most 1 s (DynamoDB's own advice for retries). */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(1_000, 25 * 2 ** attempt);
