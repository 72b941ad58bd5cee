// Repairs what an audit found, page by page, exactly as a sync writes: through the RecordsStore under the
// writer's fence, so a record is only ever replaced by a newer version (record-item.ts#mayReplace) and a
// run with an older fence can never overwrite what a newer one wrote. Extra records are deleted only
// when pruning, each by a DeleteItem conditioned on the version the audit saw and on the fence.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../shared/clock.js';
import { recordKeys } from '../shared/tables.js';
import { keyForStorage } from '../sync/record-key.js';
import type { RecordsStore, SourceRecord, WriterIdentity } from '../sync/records-store.js';
import type { HandledDifferences } from './audit.js';
import type { PageDifferences } from './compare-page.js';

export interface RepairOptions {
  readonly records: RecordsStore;
  readonly documentClient: DynamoDBDocumentClient;
  readonly recordsTable: string;
  readonly writer: WriterIdentity;
  /** The job's key cutover (record-key-cutover.ts): which missing records get their legacy key. */
  readonly legacyKeysUpToMs: number | undefined;
  /** Delete extra records too. */
  readonly prune: boolean;
  readonly clock: Clock;
}

/** A difference handler for `auditWindow` that writes missing and stale records (and prunes extras). */
export function repairer(options: RepairOptions) {
  return async (found: PageDifferences, page: { readAtMs: number }): Promise<HandledDifferences> => {
    const { records, writer, clock } = options;
    const version = { readAtMs: page.readAtMs, syncedAtMs: clock.nowMs() };
    const missing = found.missing.map((record) => keyForStorage(record, options.legacyKeysUpToMs));
    // A stale record is replaced under the key it is stored under (its legacy key, for an old one).
    const stale: SourceRecord[] = found.stale.map(({ record, storedKey }) => ({ ...record, key: storedKey }));
    const [inserted, replaced] = await Promise.all([
      missing.length > 0 ? records.write(missing, writer, version) : undefined,
      // Known stored: read back first, as the sync does with its overlap window.
      stale.length > 0
        ? records.write(stale, writer, version, { storedThroughMs: Number.MAX_SAFE_INTEGER })
        : undefined,
    ]);
    let pruned = 0;
    if (options.prune) {
      for (const record of found.extra) if (await pruneOne(options, record)) pruned++;
    }
    return { repaired: (inserted?.written ?? 0) + (replaced?.written ?? 0), pruned };
  };
}

/** Deletes the record if it is still the version the audit saw and no newer fence has written it. */
async function pruneOne(options: RepairOptions, record: PageDifferences['extra'][number]): Promise<boolean> {
  try {
    await options.documentClient.send(
      new DeleteCommand({
        TableName: options.recordsTable,
        Key: recordKeys.record(options.writer.job, record.key),
        ConditionExpression:
          '#ts = :ts AND #hash = :hash AND (attribute_not_exists(#fence) OR #fence <= :fence)',
        ExpressionAttributeNames: { '#ts': 'sourceTimestamp', '#hash': 'contentHash', '#fence': 'fence' },
        ExpressionAttributeValues: {
          ':ts': record.sourceTimestampMs,
          ':hash': record.contentHash,
          ':fence': options.writer.fence,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false; // rewritten since: not extra now
    throw error;
  }
}
