// Writes synced records to the records table in conditional transactions of up to 100 items, several
// in flight (a limit shared by every write call on the store, so pages stored at once share it). A
// stored record is replaced only under an equal or higher fence, and only by a newer version: a newer
// source timestamp, or the same timestamp with other content read later (an entry the source replaced
// in place). So a stale run can never regress data and a re-read of the same content changes nothing.
// A record DynamoDB can never accept goes to the `rejected` sink (quarantine.ts), or fails the write.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyLimiter, sleep } from '../shared/concurrency.js';
import { SyncWardenError } from '../shared/errors.js';
import { PARTITION_KEY, recordKeys } from '../shared/tables.js';
import { contentHash } from './record-content.js';
import { ESCAPED_FIELD_NAMES, toStorableData } from './stored-data.js';

/** A record as read from the source, identified by its key. */
export interface SourceRecord {
  /** The record's sort key (record-key.ts): unambiguous over the row's key-field values. */
  readonly key: string;
  /** The key an earlier version gave the record, only when it differs from `key` (see keyForStorage). */
  readonly legacyKey?: string;
  readonly sourceTimestampMs: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/** When the content was true: read from the source at `readAtMs`, stored at `syncedAtMs`. */
export interface RecordVersion {
  /** When the source answered with this content; orders two reads of one entry replaced in place. */
  readonly readAtMs: number;
  readonly syncedAtMs: number;
}

/** Who writes: the run and the fence of the lease it holds. */
export interface WriterIdentity {
  readonly job: string;
  readonly runId: string;
  readonly fence: number;
}

export interface RecordsStoreOptions {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Items per TransactWriteItems call (DynamoDB allows 100). @default 100 */
  readonly transactionSize?: number;
  /** Transactions in flight at once, across all write calls. @default 8 */
  readonly concurrency?: number;
  /** Attempts for a transaction cancelled by conflicts or throttling. @default 8 */
  readonly maxAttempts?: number;
  /**
   * Where a record DynamoDB can never accept goes (REJECTED_RECORDS=quarantine); it then counts as
   * handled and the write goes on. Absent (REJECTED_RECORDS=fail): the write throws RecordRejectedError.
   */
  readonly rejected?: RejectedRecordSink;
}

/** Keeps a record the records table can never accept, whole; throws when it cannot (the run fails then). */
export interface RejectedRecordSink {
  /** True when newly held (or replaced by newer content); false when held already (a re-read). */
  hold(record: SourceRecord, why: string, writer: WriterIdentity, version: RecordVersion): Promise<boolean>;
}

export interface WriteResult {
  /** Records written (new, or replacing an older version). */
  readonly written: number;
  /** Records left alone because the table already held this content, a newer version, or one from a later run. */
  readonly alreadyStored: number;
  /** Records DynamoDB can never accept, handed to the quarantine instead (REJECTED_RECORDS=quarantine). */
  readonly quarantined: number;
  /** TransactWriteItems calls made, retries included. */
  readonly requests: number;
}

/** A record DynamoDB will never accept as it is (e.g. over the 400 KB item limit). */
export class RecordRejectedError extends SyncWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'record-rejected', options);
  }
}

/**
 * Cancellation reasons no retry can clear (a key over 1 KB, a partition over its size limit). Any
 * other reason (conflicts, throttling, ones DynamoDB may add) is retried up to maxAttempts.
 */
const PERMANENT_CANCELLATIONS = new Set(['ValidationError', 'ItemCollectionSizeLimitExceeded']);

/**
 * The request was refused as a whole, without saying which item: DynamoDB's ValidationException (an item
 * over 400 KB, a number out of range, more than 4 MB in one transaction), or the document client's own
 * refusal to marshall an item (stored-data.ts prevents the ones known for JSON rows; these are the rest).
 */
const isRefusedAsAWhole = (error: unknown): error is Error =>
  error instanceof Error &&
  (error.name === 'ValidationException' ||
    (!('$metadata' in error) &&
      /^(Unsupported type passed|Special numeric value|Number .* than Number\.M(AX|IN)_SAFE_INTEGER|Pass options\.|Pass a non-empty set|Only Number Set)/.test(
        error.message,
      )));

const NOTHING_WRITTEN: WriteResult = { written: 0, alreadyStored: 0, quarantined: 0, requests: 0 };

const addResults = (a: WriteResult, b: WriteResult): WriteResult => ({
  written: a.written + b.written,
  alreadyStored: a.alreadyStored + b.alreadyStored,
  quarantined: a.quarantined + b.quarantined,
  requests: a.requests + b.requests,
});

export class RecordsStore {
  private readonly transactionSize: number;
  private readonly inFlight: ConcurrencyLimiter;
  private readonly maxAttempts: number;

  constructor(private readonly options: RecordsStoreOptions) {
    this.transactionSize = Math.min(options.transactionSize ?? 100, 100);
    this.inFlight = new ConcurrencyLimiter(options.concurrency ?? 8);
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  /**
   * Writes all records durably, or throws; on return every record is stored or superseded. After a
   * failed transaction the call's transactions not yet started are dropped, and it throws only once
   * none of its transactions is in flight.
   */
  async write(
    records: readonly SourceRecord[],
    writer: WriterIdentity,
    version: RecordVersion,
  ): Promise<WriteResult> {
    let failure: { error: unknown } | undefined;
    const results = await Promise.all(
      chunk(newestPerKey(records), this.transactionSize).map((records) =>
        this.inFlight.run(async () => {
          if (failure) return NOTHING_WRITTEN; // dropped: the write has failed already
          try {
            return await this.writeChunk(records, writer, version);
          } catch (error) {
            failure ??= { error };
            return NOTHING_WRITTEN;
          }
        }),
      ),
    );
    if (failure) throw failure.error;
    return results.reduce(addResults, NOTHING_WRITTEN);
  }

  private async writeChunk(
    records: readonly SourceRecord[],
    writer: WriterIdentity,
    version: RecordVersion,
  ): Promise<WriteResult> {
    let pending = records;
    let alreadyStored = 0;
    let quarantined = 0;
    let requests = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      requests++;
      try {
        await this.options.documentClient.send(
          new TransactWriteCommand({
            TransactItems: pending.map((record) => ({
              Put: this.conditionalPut(record, writer, version),
            })),
          }),
        );
        return { written: pending.length, alreadyStored, quarantined, requests };
      } catch (error) {
        if (isRefusedAsAWhole(error)) {
          // It does not say which item: halve until the one it refuses stands alone (a transaction
          // over 4 MB simply goes through in halves).
          const split = await this.writeInHalves(pending, writer, version, error);
          return addResults(split, { written: 0, alreadyStored, quarantined, requests });
        }
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const rejectedAt = new Set(
          reasons.flatMap((reason, index) => (PERMANENT_CANCELLATIONS.has(reason.Code ?? '') ? [index] : [])),
        );
        for (const index of rejectedAt) {
          const { Code, Message } = reasons[index] ?? {};
          const why = `${Code}${Message ? ` (${Message})` : ''}`;
          const held = await this.reject(pending[index] as SourceRecord, why, error, { writer, version });
          if (held) quarantined++;
          else alreadyStored++;
        }
        const superseded = new Set(
          reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : [])),
        );
        if (rejectedAt.size > 0 || superseded.size > 0) {
          // Quarantined, or already stored (or newer); the rest were only cancelled with them.
          alreadyStored += superseded.size;
          pending = pending.filter((_, index) => !superseded.has(index) && !rejectedAt.has(index));
          continue;
        }
        if (attempt >= this.maxAttempts) {
          const codes = [...new Set(reasons.map((r) => r.Code).filter((c) => c && c !== 'None'))].join(', ');
          throw new Error(
            `Writing ${pending.length} records to ${this.options.tableName} was cancelled ${attempt} times (${codes || 'no reason given'})`,
            { cause: error },
          );
        }
        // Conflicts and throttling clear up: back off with full jitter, then try the same items again.
        await sleep(Math.random() * Math.min(1_000, 25 * 2 ** attempt));
      }
    }
    return { written: 0, alreadyStored, quarantined, requests };
  }

  private async writeInHalves(
    records: readonly SourceRecord[],
    writer: WriterIdentity,
    version: RecordVersion,
    error: Error,
  ): Promise<WriteResult> {
    const [only] = records;
    if (records.length === 1 && only) {
      const held = await this.reject(only, error.message, error, { writer, version });
      return { ...NOTHING_WRITTEN, ...(held ? { quarantined: 1 } : { alreadyStored: 1 }) };
    }
    const half = Math.ceil(records.length / 2);
    const first = await this.writeChunk(records.slice(0, half), writer, version);
    return addResults(first, await this.writeChunk(records.slice(half), writer, version));
  }

  /**
   * Retrying cannot help: the record goes to quarantine, or (no quarantine, or one that cannot hold it)
   * the run fails here, naming the record, and the watermark stays before it.
   */
  private async reject(
    record: SourceRecord,
    why: string,
    cause: unknown,
    context: { writer: WriterIdentity; version: RecordVersion },
  ): Promise<boolean> {
    if (this.options.rejected)
      return this.options.rejected.hold(record, why, context.writer, context.version);
    throw new RecordRejectedError(
      `DynamoDB rejected record "${record.key}" for ${this.options.tableName}: ${why}; the run stops before it`,
      { cause },
    );
  }

  private conditionalPut(record: SourceRecord, writer: WriterIdentity, version: RecordVersion) {
    const hash = contentHash(record.data);
    const { data, fieldNamesEscaped } = toStorableData(record.data);
    return {
      TableName: this.options.tableName,
      Item: {
        ...recordKeys.record(writer.job, record.key),
        sourceTimestamp: record.sourceTimestampMs,
        contentHash: hash,
        data,
        ...(fieldNamesEscaped ? { [ESCAPED_FIELD_NAMES.attribute]: ESCAPED_FIELD_NAMES.value } : {}),
        runId: writer.runId,
        fence: writer.fence,
        readAt: version.readAtMs,
        syncedAt: version.syncedAtMs,
      },
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
        ':ts': record.sourceTimestampMs,
        ':fence': writer.fence,
        ':hash': hash,
        ':readAt': version.readAtMs,
      },
    };
  }
}

/** A transaction may not touch one item twice: keep the newest version of each key. */
function newestPerKey(records: readonly SourceRecord[]): SourceRecord[] {
  const byKey = new Map<string, SourceRecord>();
  for (const record of records) {
    const seen = byKey.get(record.key);
    if (!seen || seen.sourceTimestampMs <= record.sourceTimestampMs) byKey.set(record.key, record);
  }
  return [...byKey.values()];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
