// Writes synced records to the records table, several requests in flight (a limit shared by every write
// call on the store, so pages stored at once share it), at one write unit per new record of up to 1 KB:
// - records the run expects stored already (the overlap window it re-reads) are read back first, 100 to
//   a BatchGetItem (stored-versions.ts); the ones stored as they are cost that read and nothing more;
// - new ones go in as INSERTs, 25 to a call (insert-statements.ts), which can never replace anything;
// - an INSERT that finds its item (a page stored again after a crash) is settled by a read-back too;
// - a newer version of a stored record is a conditional PutItem whose condition (record-item.ts) lets
//   only an equal or higher fence and a newer version replace it.
// So a stale run can never regress data and a re-read of the same content changes nothing. A record
// DynamoDB can never accept goes to the `rejected` sink (quarantine.ts), or fails the write.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrencyLimiter, sleep } from '../shared/concurrency.js';
import { SyncWardenError } from '../shared/errors.js';
import { INSERT_BATCH_SIZE, insertItems } from './insert-statements.js';
import { contentHash } from './record-content.js';
import { mayReplace, recordItem, replacingPut } from './record-item.js';
import { backoffMs, READ_BATCH_SIZE, readStoredVersions } from './stored-versions.js';

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
  /** INSERT statements per BatchExecuteStatement call (DynamoDB allows 25). @default 25 */
  readonly insertBatchSize?: number;
  /** Requests in flight at once, across all write calls. @default 16 */
  readonly concurrency?: number;
  /** Attempts for a write or read-back that DynamoDB throttles or finds in conflict. @default 8 */
  readonly maxAttempts?: number;
  /**
   * Where a record DynamoDB can never accept goes (REJECTED_RECORDS=quarantine); it then counts as
   * handled and the write goes on. Absent (REJECTED_RECORDS=fail): the write throws RecordRejectedError.
   */
  readonly rejected?: RejectedRecordSink;
}

/** What the caller knows of the table before the write. */
export interface WriteExpectations {
  /**
   * Records up to this source timestamp are probably stored already (the run's watermark: it re-reads
   * its overlap window every run). They are read back before any write; the rest are inserted at once.
   */
  readonly storedThroughMs?: number;
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
  /** DynamoDB calls made (read-backs, INSERT batches, conditional puts), retries included. */
  readonly requests: number;
}

/** A record DynamoDB will never accept as it is (e.g. over the 400 KB item limit). */
export class RecordRejectedError extends SyncWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'record-rejected', options);
  }
}

/**
 * The request was refused as a whole, without saying which item: DynamoDB's ValidationException (an item
 * over 400 KB, a key over 1 KB in a read-back, a number out of range), or the document client's own
 * refusal to marshall an item (stored-data.ts prevents the ones known for JSON rows; these are the rest).
 */
const isRefusedAsAWhole = (error: unknown): error is Error =>
  error instanceof Error &&
  (error.name === 'ValidationException' ||
    (!('$metadata' in error) &&
      /^(Unsupported type passed|Special numeric value|Number .* than Number\.M(AX|IN)_SAFE_INTEGER|Pass options\.|Pass a non-empty set|Only Number Set)/.test(
        error.message,
      )));

/** A conditional put DynamoDB refused for now, not for good (after the SDK's own retries). */
const RETRYABLE_PUT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
]);

const NOTHING_WRITTEN: WriteResult = { written: 0, alreadyStored: 0, quarantined: 0, requests: 0 };

const addResults = (a: WriteResult, b: WriteResult): WriteResult => ({
  written: a.written + b.written,
  alreadyStored: a.alreadyStored + b.alreadyStored,
  quarantined: a.quarantined + b.quarantined,
  requests: a.requests + b.requests,
});

const sum = (results: readonly WriteResult[]): WriteResult => results.reduce(addResults, NOTHING_WRITTEN);

/** The records a read-back sorted out: the ones to insert, the ones to replace, and its own count. */
interface ReadBack {
  readonly result: WriteResult;
  readonly absent: readonly SourceRecord[];
  readonly newer: readonly SourceRecord[];
}

interface WriteContext {
  readonly writer: WriterIdentity;
  readonly version: RecordVersion;
}

export class RecordsStore {
  private readonly insertBatchSize: number;
  private readonly inFlight: ConcurrencyLimiter;
  private readonly maxAttempts: number;

  constructor(private readonly options: RecordsStoreOptions) {
    this.insertBatchSize = Math.min(options.insertBatchSize ?? INSERT_BATCH_SIZE, INSERT_BATCH_SIZE);
    this.inFlight = new ConcurrencyLimiter(options.concurrency ?? 16);
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  /**
   * Writes all records durably, or throws; on return every record is stored or superseded. After a
   * failed request the call's requests not yet started are dropped, and it throws only once none of its
   * requests is in flight.
   */
  async write(
    records: readonly SourceRecord[],
    writer: WriterIdentity,
    version: RecordVersion,
    expected: WriteExpectations = {},
  ): Promise<WriteResult> {
    const context = { writer, version };
    let failure: { error: unknown } | undefined;
    const guarded = (task: () => Promise<WriteResult>) =>
      this.inFlight.run(async () => {
        if (failure) return NOTHING_WRITTEN; // dropped: the write has failed already
        try {
          return await task();
        } catch (error) {
          failure ??= { error };
          return NOTHING_WRITTEN;
        }
      });
    const insert = (records: readonly SourceRecord[]) =>
      chunk(records, this.insertBatchSize).map((batch) => guarded(() => this.insertBatch(batch, context)));
    const replace = (records: readonly SourceRecord[]) =>
      records.map((record) => guarded(() => this.replace(record, context)));

    const { storedThroughMs } = expected;
    const newest = newestPerKey(records);
    const probablyStored = (record: SourceRecord) =>
      storedThroughMs !== undefined && record.sourceTimestampMs <= storedThroughMs;
    const readBacks = chunk(newest.filter(probablyStored), READ_BATCH_SIZE).map(async (batch) => {
      // The follow-up writes take slots of their own once the read-back has given its slot back.
      let sorted: ReadBack | undefined;
      const read = await guarded(async () => {
        sorted = await this.readBack(batch, context);
        return sorted.result;
      });
      if (!sorted) return read;
      return addResults(read, sum(await Promise.all([...insert(sorted.absent), ...replace(sorted.newer)])));
    });
    const results = await Promise.all([...readBacks, ...insert(newest.filter((r) => !probablyStored(r)))]);
    if (failure) throw failure.error;
    return sum(results);
  }

  /** Sorts records by their stored versions: absent (insert), older (replace), or stored already. */
  private async readBack(
    records: readonly SourceRecord[],
    { writer, version }: WriteContext,
  ): Promise<ReadBack> {
    const { documentClient, tableName } = this.options;
    const keys = records.map((record) => record.key);
    let read: Awaited<ReturnType<typeof readStoredVersions>>;
    try {
      read = await readStoredVersions(documentClient, tableName, writer.job, keys, this.maxAttempts);
    } catch (error) {
      // A key DynamoDB refuses (over 1 KB) refuses the whole read: the INSERTs find which one it is.
      if (!isRefusedAsAWhole(error)) throw error;
      return { result: { ...NOTHING_WRITTEN, requests: 1 }, absent: records, newer: [] };
    }
    const absent: SourceRecord[] = [];
    const newer: SourceRecord[] = [];
    let alreadyStored = 0;
    for (const record of records) {
      const stored = read.versions.get(record.key);
      if (!stored) absent.push(record);
      else if (mayReplace(stored, incomingVersion(record, writer, version))) newer.push(record);
      else alreadyStored++;
    }
    return { result: { ...NOTHING_WRITTEN, alreadyStored, requests: read.requests }, absent, newer };
  }

  private async insertBatch(records: readonly SourceRecord[], context: WriteContext): Promise<WriteResult> {
    const { documentClient, tableName } = this.options;
    let pending = records;
    let result = NOTHING_WRITTEN;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let outcomes: Awaited<ReturnType<typeof insertItems>>;
      try {
        outcomes = await insertItems(
          documentClient,
          tableName,
          pending.map((record) => recordItem(record, context.writer, context.version)),
        );
      } catch (error) {
        if (!isRefusedAsAWhole(error)) throw error;
        // It does not say which item: halve until the one it refuses stands alone.
        return addResults(result, await this.insertInHalves(pending, context, error));
      }
      result = addResults(result, { ...NOTHING_WRITTEN, requests: 1 });
      const retry: SourceRecord[] = [];
      const existing: SourceRecord[] = [];
      const codes = new Set<string>();
      let inserted = 0;
      for (const [index, outcome] of outcomes.entries()) {
        const record = pending[index] as SourceRecord;
        if (outcome.kind === 'inserted') inserted++;
        else if (outcome.kind === 'exists') existing.push(record);
        else if (outcome.kind === 'rejected')
          result = addResults(result, await this.reject(record, outcome.why, context));
        else {
          retry.push(record);
          codes.add(outcome.code);
        }
      }
      result = addResults(result, { ...NOTHING_WRITTEN, written: inserted });
      // None found stored: the read-back of none makes no call.
      result = addResults(result, await this.settleExisting(existing, context));
      pending = retry;
      if (pending.length > 0) {
        if (attempt >= this.maxAttempts) {
          throw new Error(
            `Writing ${pending.length} records to ${tableName} was refused ${attempt} times (${[...codes].join(', ')})`,
          );
        }
        // Conflicts and throttling clear up: back off with full jitter, then try the same items again.
        await sleep(backoffMs(attempt));
      }
    }
    return result;
  }

  private async insertInHalves(
    records: readonly SourceRecord[],
    context: WriteContext,
    error: Error,
  ): Promise<WriteResult> {
    const [only] = records;
    if (records.length === 1 && only)
      return addResults(await this.reject(only, error.message, context, error), {
        ...NOTHING_WRITTEN,
        requests: 1,
      });
    const half = Math.ceil(records.length / 2);
    const first = await this.insertBatch(records.slice(0, half), context);
    return addResults(addResults(first, await this.insertBatch(records.slice(half), context)), {
      ...NOTHING_WRITTEN,
      requests: 1,
    });
  }

  /**
   * Records an INSERT found stored already (a page stored again after a crash before its commit, most
   * often as it was): read back, and put only where the stored version is older, or was not seen yet.
   */
  private async settleExisting(
    records: readonly SourceRecord[],
    context: WriteContext,
  ): Promise<WriteResult> {
    const sorted = await this.readBack(records, context);
    let result = sorted.result;
    for (const record of [...sorted.absent, ...sorted.newer]) {
      result = addResults(result, await this.replace(record, context));
    }
    return result;
  }

  /** A conditional PutItem: stores the record if the table holds no version `mayReplace` refuses. */
  private async replace(record: SourceRecord, context: WriteContext): Promise<WriteResult> {
    const { documentClient, tableName } = this.options;
    for (let attempt = 1; ; attempt++) {
      const requests = { ...NOTHING_WRITTEN, requests: attempt };
      try {
        await documentClient.send(
          new PutCommand(replacingPut(tableName, recordItem(record, context.writer, context.version))),
        );
        return { ...requests, written: 1 };
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'ConditionalCheckFailedException') return { ...requests, alreadyStored: 1 };
        if (isRefusedAsAWhole(error))
          return addResults(requests, await this.reject(record, error.message, context, error));
        if (!RETRYABLE_PUT_ERRORS.has(name) || attempt >= this.maxAttempts) throw error;
        await sleep(backoffMs(attempt));
      }
    }
  }

  /**
   * Retrying cannot help: the record goes to quarantine, or (no quarantine, or one that cannot hold it)
   * the run fails here, naming the record, and the watermark stays before it.
   */
  private async reject(
    record: SourceRecord,
    why: string,
    { writer, version }: WriteContext,
    cause?: unknown,
  ): Promise<WriteResult> {
    if (!this.options.rejected) {
      throw new RecordRejectedError(
        `DynamoDB rejected record "${record.key}" for ${this.options.tableName}: ${why}; the run stops before it`,
        { cause },
      );
    }
    const held = await this.options.rejected.hold(record, why, writer, version);
    return { ...NOTHING_WRITTEN, ...(held ? { quarantined: 1 } : { alreadyStored: 1 }) };
  }
}

/** The version a record would be stored as, in the terms `mayReplace` compares. */
function incomingVersion(record: SourceRecord, writer: WriterIdentity, version: RecordVersion) {
  return {
    sourceTimestamp: record.sourceTimestampMs,
    contentHash: contentHash(record.data),
    fence: writer.fence,
    readAt: version.readAtMs,
  };
}

/** One write may not touch an item twice: keep the newest version of each key. */
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
