// Quarantine for records DynamoDB can never accept as records (a key over 1,024 bytes, an item over
// 400 KB, a number out of DynamoDB's range: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
// With REJECTED_RECORDS=quarantine the records store hands such a record here instead of failing the
// run: the whole raw row is kept in one control-table item per record (`job#<name>` /
// `quarantine#<source time ISO>#<hash of the key>`), its JSON text inline, or, when that would not fit
// in an item, in the raw-row archive (S3) with the item pointing at it. Only once it is held does the
// page count as stored, so the watermark moves past a row only when the row is kept somewhere. A row
// that cannot be held (too large and no archive) fails the run as before: nothing is ever lost.
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LogSink } from '../shared/observability.js';
import { controlKeys, PARTITION_KEY, SORT_KEY } from '../shared/tables.js';
import { contentHash } from './record-content.js';
import {
  RecordRejectedError,
  type RecordVersion,
  type RejectedRecordSink,
  type SourceRecord,
  type WriterIdentity,
} from './records-store.js';

/** Where rows too large for a quarantine item go (S3 in AWS). The lead wires the S3 adapter. */
export interface RawRowArchive {
  /** Stores `body` under `objectKey` and says where it is (e.g. `s3://bucket/key`), or throws. */
  put(objectKey: string, body: string): Promise<{ readonly location: string }>;
}

/**
 * Raw rows up to this many UTF-8 bytes go inline: the item's other attributes (the key, which can be
 * just over 1 KB, the reason, a few numbers) stay well under the 400 KB item limit beside them.
 */
export const INLINE_RAW_ROW_MAX_BYTES = 300_000;

/** Where a job's archived raw rows go in the archive: its role may write only under this prefix. */
export function rawRowPrefix(job: string): string {
  return `quarantine/${encodeURIComponent(job)}/`;
}

/** Sort-key prefix of quarantine items in the job's control partition. */
export const QUARANTINE_SORT_KEY_PREFIX = 'quarantine#';

export interface QuarantineOptions {
  readonly documentClient: DynamoDBDocumentClient;
  /** The control table. */
  readonly tableName: string;
  readonly logger: LogSink;
  /** Absent: a row too large for an item fails the run (with a message saying so). */
  readonly archive?: RawRowArchive;
  readonly inlineMaxBytes?: number;
}

export class Quarantine implements RejectedRecordSink {
  private readonly inlineMaxBytes: number;

  constructor(private readonly options: QuarantineOptions) {
    this.inlineMaxBytes = options.inlineMaxBytes ?? INLINE_RAW_ROW_MAX_BYTES;
  }

  async hold(
    record: SourceRecord,
    why: string,
    writer: WriterIdentity,
    version: RecordVersion,
  ): Promise<boolean> {
    const key = quarantineKey(writer.job, record);
    const hash = contentHash(record.data);
    // JSON text keeps every field name and value as the source sent them (no marshalling involved).
    const rawRow = JSON.stringify(record.data);
    const rawRowBytes = Buffer.byteLength(rawRow, 'utf8');
    let where: { rawRow: string } | { rawRowLocation: string };
    if (rawRowBytes <= this.inlineMaxBytes) {
      where = { rawRow };
    } else if (this.options.archive) {
      // One object per content: an entry replaced at the source gets an object of its own, and a re-read of
      // the same row names the object already written (the archive never overwrites one).
      const objectKey = `${rawRowPrefix(writer.job)}${key[SORT_KEY].slice(QUARANTINE_SORT_KEY_PREFIX.length)}#${hash}.json`;
      where = { rawRowLocation: (await this.options.archive.put(objectKey, rawRow)).location };
    } else {
      throw new RecordRejectedError(
        `DynamoDB rejected record "${shortKey(record.key)}" (${why}) and its raw row (${rawRowBytes} bytes) is too ` +
          'large for a quarantine item, with no quarantine bucket configured; the run stops before it',
      );
    }
    try {
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...key,
            recordKey: record.key,
            sourceTimestamp: record.sourceTimestampMs,
            reason: why.slice(0, 1_000),
            contentHash: hash,
            rawRowBytes,
            ...where,
            runId: writer.runId,
            fence: writer.fence,
            readAt: version.readAtMs,
            quarantinedAt: version.syncedAtMs,
          },
          // Same rule as records: a re-read of the same row changes nothing (and is not counted again);
          // a held row is replaced only by other content read later, and never by a stale run.
          ConditionExpression:
            'attribute_not_exists(#pk) OR (#fence <= :fence AND #hash <> :hash AND #readAt < :readAt)',
          ExpressionAttributeNames: {
            '#pk': PARTITION_KEY,
            '#fence': 'fence',
            '#hash': 'contentHash',
            '#readAt': 'readAt',
          },
          ExpressionAttributeValues: { ':fence': writer.fence, ':hash': hash, ':readAt': version.readAtMs },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false; // held already, in this version or a newer one
    }
    this.options.logger.warn('Record quarantined: DynamoDB can never store it as a record', {
      job: writer.job,
      recordKey: shortKey(record.key),
      sourceTimestamp: isoOrNumber(record.sourceTimestampMs),
      reason: why.slice(0, 300),
      quarantineItem: key,
      rawRowBytes,
      ...('rawRowLocation' in where ? { rawRowLocation: where.rawRowLocation } : {}),
    });
    return true;
  }
}

/** One item per record: its source time (so items list in time order) and a hash of its key (a key may be over 1 KB). */
export function quarantineKey(job: string, record: Pick<SourceRecord, 'key' | 'sourceTimestampMs'>) {
  const keyHash = createHash('sha256').update(record.key).digest('base64url').slice(0, 22);
  return {
    [PARTITION_KEY]: controlKeys.jobPartition(job),
    [SORT_KEY]: `${QUARANTINE_SORT_KEY_PREFIX}${isoOrNumber(record.sourceTimestampMs)}#${keyHash}`,
  };
}

/** A source time beyond what a Date can show (a row's timestamp is any finite number) stays a number. */
function isoOrNumber(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** Keys can be over 1 KB: logs and messages carry their start. */
function shortKey(key: string): string {
  return key.length <= 200 ? key : `${key.slice(0, 200)}… (${key.length} characters)`;
}
